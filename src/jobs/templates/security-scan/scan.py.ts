/**
 * The Python program the security-scan pod runs after its scanners: it reads their reports
 * (git-secrets' matches, bandit's JSON), writes one SARIF 2.1.0 file with every finding, and the
 * summary (counts by severity) to the termination message (and osv-scanner's findings on lockfiles); its exit code says whether a finding
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
# osv-scanner (offline, the vendored OSV DB): one finding per vulnerable package and advisory, on its lockfile.
GHSA_RANK = {"CRITICAL": "high", "HIGH": "high", "MODERATE": "medium", "MEDIUM": "medium", "LOW": "low"}
def osv_severity(v, groups):
    s = GHSA_RANK.get(str((v.get("database_specific") or {}).get("severity", "")).upper())
    if s: return s
    for g in groups:
        if v.get("id") in g.get("ids", []):
            try:
                score = float(g.get("max_severity") or "")
                return "high" if score >= 7 else "medium" if score >= 4 else "low"
            except ValueError:
                pass
    return "medium"
osv_error = None
try:
    osv_code = int(open("/tmp/weft-osv.code").read().strip() or "0")
except Exception:
    osv_code = 0
if osv_code not in (0, 1, 128):
    lines = [l.strip() for l in open("/tmp/weft-osv.log", errors="replace") if l.strip()] if os.path.exists("/tmp/weft-osv.log") else []
    osv_error = "osv-scanner failed (exit %d)%s" % (osv_code, (": " + lines[-1][:300]) if lines else "")
try:
    osv = json.load(open("/tmp/weft-osv.json"))
except Exception:
    osv = {"results": []}
for r in osv.get("results") or []:
    path = os.path.relpath((r.get("source") or {}).get("path", "?"), os.getcwd())
    for p in r.get("packages") or []:
        pkg = p.get("package") or {}
        for v in p.get("vulnerabilities") or []:
            findings.append({"tool": "osv-scanner", "rule": v.get("id", "OSV"), "severity": osv_severity(v, p.get("groups") or []), "path": path, "line": 1,
                             "message": "%s %s (%s): %s" % (pkg.get("name", "?"), pkg.get("version", "?"), pkg.get("ecosystem", "?"), v.get("summary") or ", ".join(v.get("aliases") or []))})
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
if osv_error: summary += "; " + osv_error
for f in findings: print("weft: %s %s %s %s:%s %s" % (f["severity"], f["tool"], f["rule"], f["path"], f["line"], f["message"]))
code = 1 if failing else 0
result = {"stage": "done", "exitCode": code, "summary": summary[:1000], "metrics": {"findings": len(findings), **counts}}
if os.environ.get("WEFT_COMMIT"): result["commit"] = os.environ["WEFT_COMMIT"]
open("${TERMINATION_LOG}", "w").write(json.dumps(result))
sys.exit(code)
`;
