#!/usr/bin/python3
# mirovoy-status: the health of this mail host, checked now. Exit 0 when every check passes, 1 on
# any problem, 2 when it cannot run at all (not root, no settings) or the push failed.
# Usage: mirovoy-status [--json]        report (human lines by default, JSON for machines)
#        mirovoy-status --push-metrics  push the figures as one CloudWatch PutMetricData call
#                                       through mirovoy-store (what mirovoy-metrics.timer runs)
# Reads its settings from /etc/mirovoy/status-checks.json and the DNS records we publish from
# the file named there (both rendered by host/status/index.ts). The JSON fields and the metrics
# are documented in the README ("Monitoring"); changing a name breaks the alarms built on it.
#
# Comments, not docstrings: comment lines are left out of the installed copy (host/format/python-script.ts).
import argparse
import base64
import datetime
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

SETTINGS_PATH = "/etc/mirovoy/status-checks.json"


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# Seconds since the epoch of an ISO-8601 time ("Z" or an offset; none means UTC).
def parse_iso(text):
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=False)


# One line of the report: which check, about what, "ok", "problem" or "skipped", and what was seen.
def item(check, name, status, detail):
    return {"check": check, "name": name, "status": status, "detail": detail}


def ok_or_problem(good):
    return "ok" if good else "problem"


# --- services and ports -------------------------------------------------------------------

def listening_ports():
    result = run(["ss", "-Hltn"])
    ports = set()
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            ports.add(int(fields[3].rsplit(":", 1)[1]))
    return ports


def unit_state(unit):
    return run(["systemctl", "is-active", unit]).stdout.strip() or "unknown"


def check_services(services, state_of, listening):
    items = []
    for service in services:
        states = {unit: state_of(unit) for unit in service["units"]}
        closed = [port for port in service["ports"] if port not in listening]
        parts = ["%s %s" % (unit, state) for unit, state in states.items()]
        if service["ports"]:
            parts.append("port%s %s %s" % (
                "s" if len(service["ports"]) > 1 else "",
                " ".join(str(p) for p in service["ports"]),
                "listening" if not closed else "not all listening (closed: %s)" % " ".join(str(p) for p in closed)))
        good = all(state == "active" for state in states.values()) and not closed
        items.append(item("service", service["name"], ok_or_problem(good), "; ".join(parts)))
    return items


# --- queue ---------------------------------------------------------------------------------

def queue_sizes(queue_directory):
    sizes = {}
    for queue in ("active", "deferred", "hold"):
        count = 0
        for _, _, files in os.walk(os.path.join(queue_directory, queue)):
            count += len(files)
        sizes[queue] = count
    return sizes


def check_queue():
    result = run(["postconf", "-h", "queue_directory"])
    directory = result.stdout.strip()
    if result.returncode != 0 or not os.path.isdir(directory):
        return item("queue", "postfix", "problem", "cannot find the queue directory: %s" % result.stderr.strip()), None
    sizes = queue_sizes(directory)
    return item("queue", "postfix", "ok", "%(active)d active, %(deferred)d deferred, %(hold)d hold" % sizes), sizes


# --- certificate ---------------------------------------------------------------------------

def check_certificate(path, min_days, now):
    result = run(["openssl", "x509", "-noout", "-enddate", "-in", path])
    if result.returncode != 0 or not result.stdout.startswith("notAfter="):
        return item("certificate", path, "problem", "cannot read the certificate: %s" % result.stderr.strip()), None
    not_after = ssl.cert_time_to_seconds(result.stdout.strip().split("=", 1)[1])
    days = round((not_after - now) / 86400, 1)
    if days < 0:
        detail = "expired %s (%.1f days ago)" % (iso(not_after), -days)
    else:
        detail = "%.1f days left (until %s)" % (days, iso(not_after))
    if 0 <= days < min_days:
        detail += "; renew it: fewer than %d days left" % min_days
    return item("certificate", path, ok_or_problem(days >= min_days), detail), days


# --- disks ---------------------------------------------------------------------------------

def mount_of(path):
    path = os.path.realpath(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


# Used share as df shows it: the blocks reserved for root count as not available.
def used_percent(path):
    st = os.statvfs(path)
    used = st.f_blocks - st.f_bfree
    total = used + st.f_bavail
    return round(100.0 * used / total, 1) if total else 0.0


def check_disks(volumes, max_percent):
    items, figures = [], {}
    for volume in volumes:
        percent = used_percent(volume["path"])
        figures[volume["name"]] = percent
        mount = mount_of(volume["path"])
        where = volume["path"] if mount == volume["path"] else "%s (on the file system of %s)" % (volume["path"], mount)
        detail = "%.1f %% used at %s" % (percent, where)
        if percent > max_percent:
            detail += ", above %d %%" % max_percent
        items.append(item("disk", volume["name"], ok_or_problem(percent <= max_percent), detail))
    return items, figures


# --- database backup (primary) -------------------------------------------------------------

def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


# A host without a backup yet counts from its first mail-ready: within the allowed age that is
# normal (the first nightly dump has not run), beyond it the dumps are not happening.
def check_backup(settings, now, read=read_json):
    limit = settings["max_age_hours"]
    state = read(settings["state_file"])
    if state is None:
        since_text = (read_text(settings["first_ready_file"]) or "").strip()
        if not since_text:
            return item("backup", "database", "problem", "no backup yet, and the host was never mail-ready"), None
        age = round((now - parse_iso(since_text)) / 3600, 1)
        good = age <= limit
        detail = "no backup yet; mail-ready since %s (%.1f h)%s" % (
            since_text, age, "" if good else ", longer than %d h: the nightly dump does not run" % limit)
        return item("backup", "database", ok_or_problem(good), detail), age
    try:
        finished = parse_iso(state["finished"])
    except (KeyError, TypeError, ValueError):
        return item("backup", "database", "problem", "%s has no valid \"finished\" time" % settings["state_file"]), None
    age = round((now - finished) / 3600, 1)
    detail = "last good dump %s (%.1f h ago, %s)" % (state["finished"], age, state.get("key", "no key"))
    if age > limit:
        detail += ", older than %d h" % limit
    return item("backup", "database", ok_or_problem(age <= limit), detail), age


# --- convergence ---------------------------------------------------------------------------

def check_convergence(path, read=read_json):
    state = read(path)
    if state is None:
        return item("convergence", "bundle", "problem", "%s is missing: mirovoy-converge never ran" % path)
    applied = (state.get("applied") or "none")[:12]
    detail = "%s, bundle %s, at %s: %s" % (state.get("state"), applied, state.get("updated"), state.get("message"))
    return item("convergence", "bundle", ok_or_problem(state.get("state") in ("applied", "converging")), detail)


# --- DNS -----------------------------------------------------------------------------------

# The tag of a TXT value ("v=spf1", "v=DMARC1", ...): other TXT records at a name are not ours.
def txt_tag(value):
    return value.replace(";", " ").split(" ", 1)[0]


# Compares the expected records with what resolved: one item per record set. `resolved` maps
# "<type> <name>" to a list of values, or to a string saying why it could not be resolved.
def compare_dns(expected, resolved):
    items = []
    for record in expected:
        key = "%s %s" % (record["type"], record["name"])
        got = resolved.get(key, [])
        if isinstance(got, str):
            items.append(item("dns", key, "problem", "cannot resolve: %s" % got))
            continue
        if record["type"] == "TXT":
            tags = {txt_tag(v) for v in record["values"]}
            got = [v for v in got if txt_tag(v) in tags]
        want = sorted(set(record["values"]))
        have = sorted(set(got))
        if want == have:
            items.append(item("dns", key, "ok", " | ".join(want)))
        else:
            items.append(item("dns", key, "problem", "resolves to %s, we publish %s" % (
                " | ".join(have) if have else "nothing", " | ".join(want))))
    return items


def reverse_name(ipv4):
    return ".".join(reversed(ipv4.split("."))) + ".in-addr.arpa"


# The host's public address: its Elastic IP on EC2 (metadata service), its LAN address in the rehearsal.
def public_address(rehearsal):
    if rehearsal:
        return run(["hostname", "-I"]).stdout.split()[0]
    token = urllib.request.urlopen(urllib.request.Request(
        "http://169.254.169.254/latest/api/token", method="PUT",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}), timeout=5).read().decode()
    return urllib.request.urlopen(urllib.request.Request(
        "http://169.254.169.254/latest/meta-data/public-ipv4",
        headers={"X-aws-ec2-metadata-token": token}), timeout=5).read().decode().strip()


# The DKIM records of the keys this host signs with (its key table: "<domain> <domain>:<selector>:<key file>").
def dkim_expectations(dkim):
    records = []
    for line in (read_text(dkim["key_table"]) or "").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        domain, selector, key_file = line.split()[1].split(":", 2)
        der = subprocess.run(["openssl", "pkey", "-in", key_file, "-pubout", "-outform", "DER"],
                             capture_output=True, check=True).stdout
        records.append({"type": "TXT", "name": "%s._domainkey.%s" % (selector, domain),
                        "values": [dkim["value_prefix"] + base64.b64encode(der).decode()]})
    return records


# dnspython is imported here, so the pure parts above load (and are tested) without it.
def resolve_all(records):
    import dns.resolver
    resolver = dns.resolver.Resolver()
    resolver.lifetime = 5
    resolved = {}
    for record in records:
        key = "%s %s" % (record["type"], record["name"])
        try:
            answer = resolver.resolve(record["name"], record["type"], raise_on_no_answer=False)
            resolved[key] = [rdata_text(record["type"], r) for r in answer]
        except dns.resolver.NXDOMAIN:
            resolved[key] = []
        except dns.exception.DNSException as error:
            resolved[key] = str(error) or type(error).__name__
    return resolved


def rdata_text(kind, rdata):
    if kind == "MX":
        return "%d %s" % (rdata.preference, rdata.exchange.to_text(omit_final_dot=True).lower())
    if kind == "TXT":
        return b"".join(rdata.strings).decode()
    if kind == "PTR":
        return rdata.target.to_text(omit_final_dot=True).lower()
    return rdata.to_text()


def check_dns(path, rehearsal):
    expected = read_json(path)
    if expected is None:
        return [item("dns", path, "skipped", "no published record set to compare with")]
    records = list(expected["records"])
    try:
        address = public_address(rehearsal)
        records += [{"type": "A", "name": expected["hostname"], "values": [address]},
                    {"type": "PTR", "name": reverse_name(address), "values": [expected["hostname"]]}]
    except (OSError, IndexError) as error:
        return [item("dns", expected["hostname"], "problem", "cannot find this host's public address: %s" % error)]
    if expected.get("dkim"):
        try:
            records += dkim_expectations(expected["dkim"])
        except (OSError, ValueError, subprocess.CalledProcessError) as error:
            return [item("dns", "dkim", "problem", "cannot read the DKIM keys: %s" % error)]
    return compare_dns(records, resolve_all(records))


# --- outbound port 25 ----------------------------------------------------------------------

def check_outbound_smtp(settings, rehearsal):
    name = "%s:%d" % (settings["hostname"], settings["port"])
    if rehearsal:
        return item("outbound-smtp", name, "skipped", "not checked in the rehearsal (no EC2 port 25 block to find)")
    try:
        with socket.create_connection((settings["hostname"], settings["port"]), timeout=10) as connection:
            connection.settimeout(10)
            banner = connection.recv(512).decode(errors="replace").strip()
        if banner.startswith("220"):
            return item("outbound-smtp", name, "ok", "open (%s)" % banner[:60])
        detail = "connected, but no SMTP greeting: %r" % banner[:60]
    except OSError as error:
        detail = "closed: %s" % error
    if not settings["required"]:
        return item("outbound-smtp", name, "ok", detail + " (not needed: mail leaves through the relay)")
    return item("outbound-smtp", name, "problem", detail + "; ask AWS to lift the port 25 limit of the account")


# --- report, output, metrics ---------------------------------------------------------------

def build_report(settings, now):
    rehearsal = os.path.isdir(settings["rehearsal_directory"])
    items = check_services(settings["services"], unit_state, listening_ports())
    mail_ready = all(i["status"] == "ok" for i in items)
    queue_item, queue = check_queue()
    certificate_item, days = check_certificate(settings["certificate_file"], settings["certificate_min_days"], now)
    disk_items, disks = check_disks(settings["volumes"], settings["disk_max_percent"])
    items += [queue_item, certificate_item] + disk_items
    age = None
    if settings["backup"]:
        backup_item, age = check_backup(settings["backup"], now)
        items.append(backup_item)
    items.append(check_convergence(settings["convergence_file"]))
    items += check_dns(settings["dns_expected_file"], rehearsal)
    items.append(check_outbound_smtp(settings["outbound_smtp"], rehearsal))
    return assemble(settings, now, items, {
        "mail_ready": 1 if mail_ready else 0,
        "queue": queue,
        "certificate_days_left": days,
        "disk_used_percent": disks,
        "last_backup_age_hours": age,
    })


def assemble(settings, now, items, figures):
    problems = ["%s %s: %s" % (i["check"], i["name"], i["detail"]) for i in items if i["status"] == "problem"]
    return {
        "hostname": settings["hostname"],
        "role": settings["role"],
        "time": iso(now),
        "ok": not problems,
        "mail_ready": figures["mail_ready"] == 1,
        "problems": problems,
        "checks": items,
        "figures": dict(figures, problems=len(problems)),
    }


def render_human(report):
    count = len(report["problems"])
    lines = ["mirovoy-status %s (%s) at %s: %s" % (
        report["hostname"], report["role"], report["time"],
        "healthy" if count == 0 else "%d problem%s" % (count, "" if count == 1 else "s"))]
    for i in report["checks"]:
        lines.append("%-8s %s %s: %s" % ({"ok": "ok", "problem": "PROBLEM", "skipped": "skipped"}[i["status"]],
                                         i["check"], i["name"], i["detail"]))
    return "\n".join(lines) + "\n"


def figure(figures, path):
    value = figures
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


# The PutMetricData body (AWS JSON 1.0): one datum per metric, per volume for the per-volume ones;
# a figure that could not be measured is left out (the alarms treat missing data themselves).
def metrics_body(report, metrics):
    host = {"Name": "Host", "Value": report["hostname"]}
    stamp = int(parse_iso(report["time"]))
    data = []
    for metric in metrics["metrics"]:
        value = figure(report["figures"], metric["figure"])
        if value is None:
            continue
        if metric.get("dimension"):
            values = [([host, {"Name": metric["dimension"], "Value": key}], v) for key, v in sorted(value.items())]
        else:
            values = [([host], value)]
        for dimensions, v in values:
            data.append({"MetricName": metric["name"], "Dimensions": dimensions, "Timestamp": stamp,
                         "Value": float(v), "Unit": metric["unit"]})
    return {"Namespace": metrics["namespace"], "MetricData": data}


def fail(message):
    print("mirovoy-status: " + message, file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(prog="mirovoy-status", description="Health of this mail host; exit 1 on any problem.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the report as JSON")
    mode.add_argument("--push-metrics", action="store_true", help="push the figures as CloudWatch metrics (mirovoy-store)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        fail("run me as root (the queue and the keys are root's)")
    settings = read_json(SETTINGS_PATH)
    if settings is None:
        fail("%s is missing; has mirovoy-provision run?" % SETTINGS_PATH)
    report = build_report(settings, time.time())
    if args.push_metrics:
        body = json.dumps(metrics_body(report, settings["metrics"]))
        pushed = subprocess.run([settings["store_command"], "metrics"], input=body, text=True, check=False)
        if pushed.returncode != 0:
            fail("%s metrics failed (exit %d)" % (settings["store_command"], pushed.returncode))
        print("pushed %d metrics; %s" % (len(json.loads(body)["MetricData"]), render_human(report).splitlines()[0]))
        return 0
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else render_human(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
