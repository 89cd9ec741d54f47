// The graph view of an entity page: vis-network over /web/neighbourhood, expandable by click.
"use strict";
(function () {
  const container = document.getElementById("graph-view");
  if (!container || typeof vis === "undefined") return;
  const status = document.getElementById("graph-status");
  const controls = document.getElementById("graph-controls");
  const hops = document.getElementById("g-hops");
  const confidence = document.getElementById("g-conf");
  const predicate = document.getElementById("g-pred");
  const format = document.getElementById("g-format");
  const download = document.getElementById("g-download");
  const nodeControls = document.getElementById("graph-node-controls");
  const nodeSelect = document.getElementById("g-node");
  const seed = container.dataset.seed;
  const source = container.dataset.source;

  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  const expanded = new Set();  // nodes whose neighbours were added on request
  const options = {
    nodes: { shape: "dot", size: 12, font: { size: 13, color: "#1d2733" }, borderWidth: 1 },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#a9b2bc", highlight: "#1f5fa8" },
      font: { size: 9, color: "#5b6673", strokeWidth: 3, align: "middle" },
      smooth: false,
    },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250 },
      forceAtlas2Based: { gravitationalConstant: -60, springLength: 120 } },
    interaction: { hover: true, keyboard: { enabled: true, bindToWindow: false },
      tooltipDelay: 150 },
  };
  const network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  let resolveReady;
  const graph = {
    network: network, nodes: nodes, edges: edges, expanded: expanded,
    ready: new Promise(function (resolve) { resolveReady = resolve; }),
    stabilized: false, expand: expand, reload: reload,
  };
  window.metakgGraph = graph;
  network.on("stabilizationIterationsDone", function () {
    network.fit({ animation: false });
    graph.stabilized = true;
  });

  function entityUrl(id) {
    return "/entity/" + id.split("/").map(encodeURIComponent).join("/");
  }

  function filters() {
    const params = new URLSearchParams();
    params.set("hops", hops.value);
    if (confidence.value) params.set("min_confidence", confidence.value);
    if (predicate.value) params.set("predicate", predicate.value);
    return params;
  }

  function shape(node) {
    return Object.assign({}, node, {
      size: node.seed ? 20 : 12,
      font: node.seed ? { size: 15, bold: true } : undefined,
      title: node.title,
    });
  }

  // Edge labels are drawn while the view is small; past that they would hide the graph, and
  // each edge's predicate stays in its tooltip.
  const LABELLED_EDGES = 40;

  function edgeShape(edge) {
    const dashed = edge.predicate === "subclass_of";
    return Object.assign({}, edge, { dashes: dashed, width: edge.confidence === "high" ? 2 : 1 });
  }

  function labelEdges() {
    const show = edges.length <= LABELLED_EDGES;
    network.setOptions({ edges: { font: { size: show ? 9 : 0 } } });
  }

  async function fetchAround(ids, hopCount) {
    const params = filters();
    params.set("hops", String(hopCount));
    ids.forEach(function (id) { params.append("id", id); });
    const response = await fetch(source + "?" + params.toString(),
      { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  }

  function updateDownload() {
    const params = new URLSearchParams();
    params.set("format", format.value);
    [seed].concat(Array.from(expanded)).forEach(function (id) { params.append("around", id); });
    params.set("hops", hops.value);
    if (confidence.value) params.set("min_confidence", confidence.value);
    if (predicate.value) params.set("predicate", predicate.value);
    download.href = container.dataset.export + "?" + params.toString();
  }

  function updateNodeList() {
    const current = nodeSelect.value || seed;
    const all = nodes.get({ order: function (a, b) { return a.label.localeCompare(b.label); } });
    nodeSelect.replaceChildren();
    all.forEach(function (node) {
      const option = document.createElement("option");
      option.value = node.id;
      option.textContent = node.label + (expanded.has(node.id) ? " (expanded)" : "");
      nodeSelect.append(option);
    });
    nodeSelect.value = nodes.get(current) ? current : seed;
    document.getElementById("g-open").href = entityUrl(nodeSelect.value);
    nodeControls.hidden = false;
  }

  function report(extra) {
    status.textContent = nodes.length + " nodes, " + edges.length + " edges" + (extra || "");
  }

  async function reload() {
    status.textContent = "Loading…";
    try {
      const body = await fetchAround([seed].concat(Array.from(expanded)), Number(hops.value));
      nodes.clear();
      edges.clear();
      nodes.add(body.nodes.map(shape));
      edges.add(body.edges.map(edgeShape));
      labelEdges();
      graph.stabilized = false;
      network.stabilize(200);  // lay out before drawing; "stabilizationIterationsDone" fits it
      report(body.truncated ? " (truncated)" : "");
      updateNodeList();
      updateDownload();
    } catch (error) {
      status.textContent = "Could not load the graph: " + error.message;
    }
    resolveReady(graph);
  }

  async function expand(id) {
    if (!nodes.get(id)) return;
    status.textContent = "Expanding…";
    try {
      const body = await fetchAround([id], 1);
      nodes.update(body.nodes.filter(function (n) { return !nodes.get(n.id); }).map(shape));
      edges.update(body.edges.filter(function (e) { return !edges.get(e.id); }).map(edgeShape));
      expanded.add(id);
      labelEdges();
      report(edges.length > LABELLED_EDGES ? " (hover over an edge for its predicate)" : "");
      updateNodeList();
      updateDownload();
    } catch (error) {
      status.textContent = "Could not expand: " + error.message;
    }
  }

  network.on("click", function (event) {
    if (event.nodes.length) {
      nodeSelect.value = event.nodes[0];
      document.getElementById("g-open").href = entityUrl(event.nodes[0]);
      expand(event.nodes[0]);
    }
  });
  network.on("doubleClick", function (event) {
    if (event.nodes.length) window.location.assign(entityUrl(event.nodes[0]));
  });
  nodeSelect.addEventListener("change", function () {
    document.getElementById("g-open").href = entityUrl(nodeSelect.value);
    network.selectNodes([nodeSelect.value]);
    network.focus(nodeSelect.value, { scale: 1.1, animation: false });
  });
  document.getElementById("g-expand").addEventListener("click", function () {
    expand(nodeSelect.value);
  });
  controls.addEventListener("submit", function (event) {
    event.preventDefault();
    reload();
  });
  [hops, confidence, predicate].forEach(function (el) { el.addEventListener("change", reload); });
  format.addEventListener("change", updateDownload);
  reload();
})();
