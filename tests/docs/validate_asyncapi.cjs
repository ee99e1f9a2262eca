// Parses an AsyncAPI document with the AsyncAPI project's own parser; prints its
// diagnostics as JSON lines and exits 1 if any is an error (severity 0).
const fs = require("fs");
const path = require("path");
const { Parser } = require(path.join(process.argv[2], "node_modules", "@asyncapi", "parser"));

(async () => {
  const text = fs.readFileSync(process.argv[3], "utf8");
  const { document, diagnostics } = await new Parser().parse(text);
  for (const d of diagnostics) {
    console.log(JSON.stringify({ severity: d.severity, code: d.code, message: d.message,
                                 path: d.path }));
  }
  const errors = diagnostics.filter((d) => d.severity === 0);
  process.exit(document && errors.length === 0 ? 0 : 1);
})();
