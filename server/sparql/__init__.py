"""How user SPARQL runs: query processes with hard deadlines, the channel to them and
result formats."""
