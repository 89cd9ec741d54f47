// The SPARQL editor: a highlighted <pre> under a transparent <textarea>, examples, run
// (button or Ctrl+Enter), a results table and downloads in every result format.
"use strict";
(function () {
  const form = document.getElementById("sparql-form");
  const area = document.getElementById("sparql-query");
  const code = document.getElementById("sparql-highlight");
  const pre = code.parentElement;
  const statusLine = document.getElementById("sparql-status");
  const errorLine = document.getElementById("sparql-error");
  const countLine = document.getElementById("sparql-count");
  const results = document.getElementById("sparql-results");
  const data = JSON.parse(document.getElementById("sparql-data").textContent);
  const RESULT_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

  // --- highlighting -----------------------------------------------------------------------
  const KEYWORDS = new Set(("select construct describe ask where from named prefix base " +
    "optional filter union minus graph service bind values as distinct reduced order by asc " +
    "desc limit offset group having not exists in a true false undef count sum min max avg " +
    "sample group_concat separator str lang datatype iri uri bound if coalesce regex sameterm " +
    "isiri isuri isblank isliteral contains strstarts strends lcase ucase concat strlen " +
    "substr replace year now").split(" "));
  const TOKEN = new RegExp([
    "(#[^\\n]*)",                                      // 1 comment
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                         // 3 IRI
    "([?$][A-Za-z_0-9]+)",                             // 4 variable
    "([A-Za-z][\\w.-]*:[\\w.%-]*|:[\\w.%-]+)",          // 5 prefixed name
    "(\\b\\d+(?:\\.\\d+)?\\b)",                          // 6 number
    "([A-Za-z_]+)",                                    // 7 word (keyword or not)
  ].join("|"), "g");
  const CLASSES = [null, "tok-com", "tok-str", "tok-iri", "tok-var", "tok-pn", "tok-num"];

  function highlight() {
    const text = area.value;
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(TOKEN)) {
      if (match.index > last) out.append(text.slice(last, match.index));
      let cls = null;
      for (let g = 1; g <= 6; g++) if (match[g] !== undefined) { cls = CLASSES[g]; break; }
      if (match[7] !== undefined && KEYWORDS.has(match[7].toLowerCase())) cls = "tok-kw";
      if (cls) {
        const span = document.createElement("span");
        span.className = cls;
        span.textContent = match[0];
        out.append(span);
      } else {
        out.append(match[0]);
      }
      last = match.index + match[0].length;
    }
    out.append(text.slice(last) + "\n");  // a trailing newline keeps the last line's height
    code.replaceChildren(out);
    syncScroll();
  }
  function syncScroll() {
    pre.scrollTop = area.scrollTop;
    pre.scrollLeft = area.scrollLeft;
  }
  area.addEventListener("input", highlight);
  area.addEventListener("scroll", syncScroll);
  area.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });

  // --- examples ---------------------------------------------------------------------------
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      area.value = data.examples[Number(button.dataset.example)].text;
      highlight();
      area.focus();
      area.setSelectionRange(0, 0);
      area.scrollTop = 0;
      syncScroll();
    });
  });

  // --- running ----------------------------------------------------------------------------
  function body() {
    return new URLSearchParams({ query: area.value });
  }

  async function post(accept) {
    return fetch("/sparql", {
      method: "POST",
      headers: { Accept: accept, "Content-Type": "application/x-www-form-urlencoded" },
      body: body(),
    });
  }

  async function problemText(response) {
    const text = await response.text();
    try {
      const problem = JSON.parse(text);
      return [problem.title, problem.detail].filter(Boolean).join(": ") || text;
    } catch (error) {
      return text || response.status + " " + response.statusText;
    }
  }

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = false;
  }

  function compact(iri) {
    for (const [prefix, base] of Object.entries(data.prefixes)) {
      if (iri.startsWith(base) && iri.length > base.length) return prefix + ":" + iri.slice(base.length);
    }
    return null;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const curie = compact(term.value);
      if (curie) {
        const a = document.createElement("a");
        a.href = "/entity/" + curie.split("/").map(encodeURIComponent).join("/");
        a.textContent = curie;
        a.title = term.value;
        td.append(a);
      } else {
        td.textContent = "<" + term.value + ">";
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
      else if (term.datatype) td.title = term.datatype;
    }
    return td;
  }

  function table(json) {
    const vars = json.head.vars || [];
    const rows = json.results.bindings;
    const t = document.createElement("table");
    t.className = "data";
    t.id = "sparql-table";
    const head = t.createTHead().insertRow();
    vars.forEach(function (v) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      head.append(th);
    });
    const tbody = t.createTBody();
    rows.forEach(function (row) {
      const tr = tbody.insertRow();
      vars.forEach(function (v) { tr.append(cell(row[v])); });
    });
    return t;
  }

  function setDownloads(kind) {
    document.querySelectorAll("button.dl").forEach(function (b) {
      b.hidden = b.dataset.form !== kind;
    });
  }

  async function run() {
    errorLine.hidden = true;
    countLine.textContent = "";
    statusLine.textContent = "Running…";
    const started = performance.now();
    let response;
    try {
      response = await post(RESULT_ACCEPT);
    } catch (error) {
      statusLine.textContent = "";
      showError("The server could not be reached: " + error.message);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    statusLine.textContent = "";
    if (!response.ok) {
      results.replaceChildren();
      showError(await problemText(response));
      return;
    }
    const type = (response.headers.get("Content-Type") || "").split(";")[0];
    const rowCount = response.headers.get("X-Result-Rows");
    if (type === "application/sparql-results+json") {
      const json = await response.json();
      setDownloads("table");
      if ("boolean" in json) {
        const p = document.createElement("p");
        p.id = "sparql-boolean";
        p.textContent = "ASK: " + json.boolean;
        results.replaceChildren(p);
        countLine.textContent = "Answer in " + seconds + " s";
      } else {
        results.replaceChildren(table(json));
        const n = json.results.bindings.length;
        countLine.textContent = n + " row" + (n === 1 ? "" : "s") + " in " + seconds + " s";
      }
    } else {
      setDownloads("graph");
      const pre = document.createElement("pre");
      pre.id = "sparql-turtle";
      pre.textContent = await response.text();
      results.replaceChildren(pre);
      countLine.textContent = (rowCount || "?") + " triples in " + seconds + " s";
    }
  }

  async function save(button) {
    errorLine.hidden = true;
    const response = await post(button.dataset.media);
    if (!response.ok) {
      showError(await problemText(response));
      return;
    }
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "results." + button.dataset.ext;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  document.querySelectorAll("button.dl").forEach(function (button) {
    button.addEventListener("click", function () { save(button); });
  });
  highlight();
})();
