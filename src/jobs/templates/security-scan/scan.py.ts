/**
 * The Python program the security-scan pod runs after its scanners: it reads their reports
 * (git-secrets' matches, bandit's JSON), writes one SARIF 2.1.0 file with every finding, and the
 * summary (counts by severity) to the termination message; its exit code says whether a finding
 * reached `failOn`. Kept as a string: the image has python3, not Node.
 */
import { TERMINATION_LOG } from '../../pod.js';

export const SCAN_PY = `
import json, os, sys
RANK = {"low": 1, "medium": 2, "high": 3}
findings = []
# git-secrets --scan prints path:line:match for each match (the match itself is not kept: it is a secret).
for line in open("/tmp/weft-secrets.txt", errors="replace"):
    parts = line.rstrip("\\n").split(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        findings.append({"tool": "git-secrets", "rule": "secret", "severity": "high", "path": parts[0], "line": int(parts[1]), "message": "a secret matches a git-secrets pattern"})
try:
    bandit = json.load(open("/tmp/weft-bandit.json"))
except Exception:
    bandit = {"results": []}
for r in bandit.get("results", []):
    findings.append({"tool": "bandit", "rule": r.get("test_id", "B000"), "severity": r.get("issue_severity", "LOW").lower(), "path": r.get("filename", "?").removeprefix("./"), "line": r.get("line_number", 1), "message": r.get("issue_text", "")})
counts = {s: sum(1 for f in findings if f["severity"] == s) for s in ("high", "medium", "low")}
tools = {}
for f in findings: tools.setdefault(f["tool"], []).append(f)
level = {"high": "error", "medium": "warning", "low": "note"}
sarif = {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [
    {"tool": {"driver": {"name": name, "rules": [{"id": r} for r in sorted({f["rule"] for f in fs})]}},
     "results": [{"ruleId": f["rule"], "level": level.get(f["severity"], "note"), "message": {"text": f["message"]},
                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": f["path"]}, "region": {"startLine": max(1, int(f["line"]))}}}]} for f in fs]}
    for name, fs in sorted(tools.items())]}
out_dir = os.environ["WEFT_OUTPUT"]
os.makedirs(out_dir, exist_ok=True)
json.dump(sarif, open(os.path.join(out_dir, "scan.sarif"), "w"), indent=1)
fail_on = os.environ.get("WEFT_FAIL_ON", "high")
failing = [f for f in findings if fail_on != "none" and RANK.get(f["severity"], 1) >= RANK[fail_on]]
by_tool = ", ".join("%s %d" % (t, len(fs)) for t, fs in sorted(tools.items())) or "none"
summary = "%d findings: %d high, %d medium, %d low (%s)" % (len(findings), counts["high"], counts["medium"], counts["low"], by_tool)
if failing: summary += "; %d at or above failOn %s" % (len(failing), fail_on)
for f in findings: print("weft: %s %s %s %s:%s %s" % (f["severity"], f["tool"], f["rule"], f["path"], f["line"], f["message"]))
code = 1 if failing else 0
result = {"stage": "done", "exitCode": code, "summary": summary[:1000], "metrics": {"findings": len(findings), **counts}}
if os.environ.get("WEFT_COMMIT"): result["commit"] = os.environ["WEFT_COMMIT"]
open("${TERMINATION_LOG}", "w").write(json.dumps(result))
sys.exit(code)
`;
