"""Seeded generator of realistic network-activity logs with labelled anomalies.

Normal traffic comes from a set of hosts and services (sshd, nginx, cron,
kernel firewall, systemd, postfix, dhcpd) whose event rate follows a daily
rhythm (busy afternoons, quiet nights).  Anomaly *episodes* are injected as
bursts and every line of an episode is labelled:

==================  =========================================================
``port_scan``       one source probes many ports of one host (firewall drops)
``brute_force``     burst of failed ssh logins for root/admin from one source
``exfiltration``    large outbound transfers from one host to one address
``hardware_error``  storm of disk / machine-check errors on one host
``crash_loop``      a service exits and restarts over and over
==================  =========================================================

The same seed gives the same lines, for any size.  Output as JSON lines
(nested ``source``/``destination`` objects, with ``label`` and ``anomaly``)
or as syslog-style text (``Mar 10 13:55:36 host service[pid]: message``)
whose labels are returned alongside.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

__all__ = ["LogGenerator", "GeneratedLogs", "ANOMALY_KINDS", "SYSLOG_FORMAT", "SYSLOG_TIME_FORMAT"]

ANOMALY_KINDS = ("port_scan", "brute_force", "exfiltration", "hardware_error", "crash_loop")

#: Format string of the syslog-style output (for :class:`~dl4j_bridge.etl.readers.TextReader`).
SYSLOG_FORMAT = r"<Month> <Day> <Time> <Host> <Service>\[<Pid>\]: <Content>"
#: ``strftime`` format of ``Month Day Time`` joined by spaces.
SYSLOG_TIME_FORMAT = "%b %d %H:%M:%S"

_USERS = ("alice", "bob", "carol", "dave", "erin", "backup", "deploy", "www-data")
_PATHS = ("/", "/index.html", "/api/v1/items", "/api/v1/orders", "/login", "/static/app.js",
          "/static/site.css", "/health", "/api/v1/users", "/images/logo.png")
_SERVICES_NORMAL = ("sshd", "nginx", "CRON", "kernel", "systemd", "postfix", "dhcpd")
_CRASH_SERVICES = ("nginx", "postgres", "redis-server", "app-worker")


@dataclass
class GeneratedLogs:
    """Generated records.

    Attributes
    ----------
    lines : list of str, length n
        Log lines (syslog text or JSON), without newlines.
    labels : numpy.ndarray of int8, shape (n,)
        1 for lines of an anomaly episode.
    kinds : list of str, length n
        Anomaly kind per line (``""`` for normal lines).
    """

    lines: list[str]
    labels: np.ndarray
    kinds: list[str]


class LogGenerator:
    """Generate network-activity logs.

    Parameters
    ----------
    seed : int
        Random seed; the output is a pure function of the parameters.
    n_hosts : int
        Number of hosts (``web-01``, ``db-02``, ...).
    start : datetime
        Timestamp of the first line.
    lines_per_day : int
        Average event rate.
    anomaly_rate : float
        Expected share of lines that belong to anomaly episodes.
    """

    def __init__(self, seed: int = 0, *, n_hosts: int = 12, start: datetime = datetime(2024, 3, 4),
                 lines_per_day: int = 200_000, anomaly_rate: float = 0.02):
        self.seed = int(seed)
        self.n_hosts = int(n_hosts)
        self.start = start
        self.lines_per_day = int(lines_per_day)
        self.anomaly_rate = float(anomaly_rate)
        roles = ("web", "db", "app", "mail", "gw")
        self.hosts = [f"{roles[i % len(roles)]}-{i // len(roles) + 1:02d}" for i in range(self.n_hosts)]
        self.host_ips = [f"10.0.{1 + i // 200}.{10 + i % 200}" for i in range(self.n_hosts)]

    # ------------------------------------------------------------------
    def records(self, n: int) -> list[dict]:
        """Generate ``n`` records as dicts, in time order.

        Returns
        -------
        list of dict, length n
            Keys: ``time`` (datetime), ``host``, ``service``, ``pid``,
            ``level``, ``message``, ``src_ip``, ``src_port``, ``dst_ip``,
            ``dst_port``, ``bytes``, ``user``, ``label``, ``anomaly``.
        """
        rng = np.random.default_rng(self.seed)
        n = int(n)
        n_anomalous_target = int(round(n * self.anomaly_rate))
        episodes = []
        used = 0
        while used < n_anomalous_target:
            kind = ANOMALY_KINDS[int(rng.integers(len(ANOMALY_KINDS)))]
            size = int(rng.integers(20, 80))
            size = min(size, n_anomalous_target - used) if n_anomalous_target - used >= 5 else n_anomalous_target - used
            if size <= 0:
                break
            episodes.append((kind, size))
            used += size
        n_normal = n - used
        times = self._times(rng, n)
        # place episodes at random positions among the normal lines
        positions = np.sort(rng.integers(0, max(n_normal, 1) + 1, size=len(episodes)))
        records: list[dict] = []
        normal = self._normal_records(rng, n_normal)
        cursor = 0
        for (kind, size), position in zip(episodes, positions):
            records.extend(normal[cursor:position])
            cursor = position
            records.extend(self._episode(rng, kind, size))
        records.extend(normal[cursor:])
        for record, moment in zip(records, times):
            record["time"] = moment
        return records

    def _times(self, rng: np.random.Generator, n: int) -> list[datetime]:
        """Timestamps with a daily rhythm (inverse-CDF sampling on a minute grid)."""
        days = max(1, int(np.ceil(n / self.lines_per_day)))
        minutes = np.arange(days * 24 * 60)
        hour = (minutes % (24 * 60)) / 60.0
        rate = 1.0 + 0.8 * np.sin(2 * np.pi * (hour - 9.0) / 24.0)  # peak mid-afternoon
        cdf = np.cumsum(rate)
        cdf /= cdf[-1]
        u = np.sort(rng.random(n))
        minute_index = np.searchsorted(cdf, u)
        seconds = minute_index * 60 + rng.integers(0, 60, size=n)
        seconds = np.sort(seconds)
        base = self.start
        return [base + timedelta(seconds=int(s)) for s in seconds]

    def _normal_records(self, rng: np.random.Generator, n: int) -> list[dict]:
        kinds = rng.choice(len(_NORMAL_EVENTS), size=n, p=_NORMAL_WEIGHTS)
        hosts = rng.integers(0, self.n_hosts, size=n)
        ints = rng.integers(0, 2**31 - 1, size=(n, 4)).tolist()
        out = []
        for kind, host, values in zip(kinds.tolist(), hosts.tolist(), ints):
            out.append(_NORMAL_EVENTS[kind](self, host, values))
        return out

    def _episode(self, rng: np.random.Generator, kind: str, size: int) -> list[dict]:
        host = int(rng.integers(self.n_hosts))
        attacker = f"{int(rng.integers(11, 223))}.{int(rng.integers(0, 255))}.{int(rng.integers(0, 255))}.{int(rng.integers(1, 254))}"
        ints = rng.integers(0, 2**31 - 1, size=(size, 4)).tolist()
        maker = _ANOMALY_EVENTS[kind]
        return [dict(maker(self, host, attacker, i, ints[i]), label=1, anomaly=kind) for i in range(size)]

    def _record(self, host: int, service: str, pid: int, level: str, message: str, **fields) -> dict:
        record = {"host": self.hosts[host], "service": service, "pid": int(pid), "level": level,
                  "message": message, "src_ip": None, "src_port": None, "dst_ip": None,
                  "dst_port": None, "bytes": None, "user": None, "label": 0, "anomaly": ""}
        record.update(fields)
        return record

    # ------------------------------------------------------------------
    def syslog(self, n: int) -> GeneratedLogs:
        """``n`` syslog-style lines (see :data:`SYSLOG_FORMAT`)."""
        records = self.records(n)
        lines = [f"{r['time'].strftime(SYSLOG_TIME_FORMAT)} {r['host']} {r['service']}[{r['pid']}]: {r['message']}"
                 for r in records]
        return GeneratedLogs(lines, np.array([r["label"] for r in records], dtype=np.int8),
                             [r["anomaly"] for r in records])

    def json_lines(self, n: int) -> GeneratedLogs:
        """``n`` JSON lines with nested ``source`` / ``destination`` objects.

        Field names vary by producer, as in real pipelines: nginx writes
        ``srcIP``, sshd ``source.ip``, everything else ``src_ip``.
        """
        records = self.records(n)
        lines = []
        for r in records:
            obj = {"@timestamp": r["time"].strftime("%Y-%m-%dT%H:%M:%S"), "host": {"name": r["host"]},
                   "service": r["service"], "pid": r["pid"], "level": r["level"], "message": r["message"],
                   "label": r["label"], "anomaly": r["anomaly"] or None}
            if r["src_ip"] is not None:
                if r["service"] == "nginx":
                    obj["srcIP"] = r["src_ip"]
                elif r["service"] == "sshd":
                    obj["source"] = {"ip": r["src_ip"], "port": r["src_port"]}
                else:
                    obj["src_ip"] = r["src_ip"]
            if r["dst_port"] is not None:
                obj["destination"] = {"ip": r["dst_ip"], "port": r["dst_port"]}
            if r["bytes"] is not None:
                obj["bytes"] = r["bytes"]
            if r["user"] is not None:
                obj["user"] = r["user"]
            lines.append(json.dumps(obj, separators=(",", ":")))
        return GeneratedLogs(lines, np.array([r["label"] for r in records], dtype=np.int8),
                             [r["anomaly"] for r in records])

    def iter_syslog(self, n: int, chunk: int = 200_000) -> Iterator[str]:
        """Yield ``n`` syslog lines in chunks (different seeds per chunk, bounded memory)."""
        done = 0
        part = 0
        while done < n:
            size = min(chunk, n - done)
            sub = LogGenerator(self.seed * 1_000_003 + part, n_hosts=self.n_hosts,
                               start=self.start + timedelta(seconds=86400 * done / self.lines_per_day),
                               lines_per_day=self.lines_per_day, anomaly_rate=self.anomaly_rate)
            yield from sub.syslog(size).lines
            done += size
            part += 1

    def write(self, path: str | os.PathLike[str], n: int, *, kind: str = "syslog") -> np.ndarray:
        """Write ``n`` lines (``kind`` = ``"syslog"`` or ``"jsonl"``) atomically; ``.gz`` paths are compressed.

        Returns
        -------
        numpy.ndarray of int8, shape (n,)
            Line labels.
        """
        from ..atomicfile import atomic_write_bytes

        logs = self.syslog(n) if kind == "syslog" else self.json_lines(n)
        path = os.fspath(path)
        data = ("\n".join(logs.lines) + "\n").encode("utf-8")
        if path.endswith(".gz"):
            import gzip
            data = gzip.compress(data, mtime=0)   # the same seed, the same bytes
        atomic_write_bytes(path, data)   # an interrupted write leaves the previous file, not half a log
        return logs.labels


# ----------------------------------------------------------------------
# event makers: (generator, host index, random ints) -> record
# ----------------------------------------------------------------------
def _ip(value: int) -> str:
    return f"{value % 200 + 11}.{(value >> 8) % 256}.{(value >> 16) % 256}.{(value >> 24) % 254 + 1}"


def _lan(value: int) -> str:
    return f"192.168.{(value >> 4) % 4}.{value % 250 + 2}"


def _ssh_accept(g, h, r):
    user, ip, port = _USERS[r[0] % 6], _lan(r[1]), 40000 + r[2] % 20000
    method = ("password", "publickey")[r[3] % 2]
    return g._record(h, "sshd", 1000 + r[3] % 30000, "info",
                     f"Accepted {method} for {user} from {ip} port {port} ssh2",
                     src_ip=ip, src_port=port, dst_ip=g.host_ips[h], dst_port=22, user=user)


def _ssh_session_open(g, h, r):
    user = _USERS[r[0] % 6]
    return g._record(h, "sshd", 1000 + r[3] % 30000, "info",
                     f"pam_unix(sshd:session): session opened for user {user} by (uid=0)", user=user)


def _ssh_session_close(g, h, r):
    user = _USERS[r[0] % 6]
    return g._record(h, "sshd", 1000 + r[3] % 30000, "info",
                     f"pam_unix(sshd:session): session closed for user {user}", user=user)


def _ssh_fail_once(g, h, r):
    user, ip, port = _USERS[r[0] % 6], _lan(r[1]), 40000 + r[2] % 20000
    return g._record(h, "sshd", 1000 + r[3] % 30000, "warning",
                     f"Failed password for {user} from {ip} port {port} ssh2",
                     src_ip=ip, src_port=port, dst_ip=g.host_ips[h], dst_port=22, user=user)


def _nginx_access(g, h, r):
    ip = _ip(r[0]) if r[3] % 3 else _lan(r[0])
    path = _PATHS[r[1] % len(_PATHS)]
    status = (200, 200, 200, 200, 304, 301, 404, 500)[r[2] % 8]
    size = 200 + r[2] % 50000
    method = ("GET", "GET", "GET", "POST")[r[3] % 4]
    return g._record(h, "nginx", 800 + r[3] % 16, "info",
                     f'{ip} "{method} {path} HTTP/1.1" {status} {size} {r[1] % 900 + 1}ms',
                     src_ip=ip, src_port=30000 + r[2] % 30000, dst_ip=g.host_ips[h],
                     dst_port=(80, 443)[r[3] % 2], bytes=size)


def _cron(g, h, r):
    job = ("/usr/local/bin/backup.sh", "/usr/bin/logrotate /etc/logrotate.conf",
           "/opt/app/bin/cleanup --days 7", "run-parts /etc/cron.hourly")[r[0] % 4]
    user = ("root", "backup", "deploy")[r[1] % 3]
    return g._record(h, "CRON", 2000 + r[3] % 30000, "info", f"({user}) CMD ({job})", user=user)


def _fw_allow(g, h, r):
    src, dport = _lan(r[0]), (80, 443, 22, 5432, 6379, 25)[r[1] % 6]
    sport = 30000 + r[2] % 30000
    return g._record(h, "kernel", 0, "info",
                     f"[UFW ALLOW] IN=eth0 OUT= SRC={src} DST={g.host_ips[h]} PROTO=TCP SPT={sport} DPT={dport}",
                     src_ip=src, src_port=sport, dst_ip=g.host_ips[h], dst_port=dport)


def _systemd(g, h, r):
    unit = ("logrotate.service", "apt-daily.service", "fstrim.service", "certbot.service")[r[0] % 4]
    verb = ("Starting", "Started", "Finished")[r[1] % 3]
    return g._record(h, "systemd", 1, "info", f"{verb} {unit}.")


def _postfix(g, h, r):
    queue = f"{r[0] % 0xFFFFFFF:07X}"
    to = f"{_USERS[r[1] % 6]}@example.com"
    return g._record(h, "postfix", 3000 + r[3] % 3000, "info",
                     f"{queue}: to=<{to}>, relay=mail.example.com[10.0.0.25]:25, delay={r[2] % 90 / 10:.1f}, status=sent (250 2.0.0 Ok)")


def _dhcp(g, h, r):
    ip = _lan(r[0])
    mac = ":".join(f"{(r[1] >> (4 * k)) % 256:02x}" for k in range(6))
    return g._record(h, "dhcpd", 600 + r[3] % 100, "info", f"DHCPACK on {ip} to {mac} via eth1", src_ip=ip)


def _outbound(g, h, r):
    dst = _ip(r[0])
    size = 1000 + r[1] % 200000
    return g._record(h, "kernel", 0, "info",
                     f"conntrack: closed TCP {g.host_ips[h]}:{40000 + r[2] % 20000} -> {dst}:443 bytes={size}",
                     src_ip=g.host_ips[h], dst_ip=dst, dst_port=443, bytes=size)


_NORMAL_EVENTS = (_ssh_accept, _ssh_session_open, _ssh_session_close, _ssh_fail_once, _nginx_access,
                  _cron, _fw_allow, _systemd, _postfix, _dhcp, _outbound)
_NORMAL_WEIGHTS = np.array([4, 4, 4, 1, 40, 6, 15, 3, 5, 4, 14], dtype=float)
_NORMAL_WEIGHTS /= _NORMAL_WEIGHTS.sum()


def _a_port_scan(g, h, attacker, i, r):
    port = (21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 3306, 3389, 5900, 8080)[i % 16] + (i // 16)
    return g._record(h, "kernel", 0, "warning",
                     f"[UFW BLOCK] IN=eth0 OUT= SRC={attacker} DST={g.host_ips[h]} PROTO=TCP SPT={40000 + r[0] % 20000} DPT={port}",
                     src_ip=attacker, src_port=40000 + int(r[0] % 20000), dst_ip=g.host_ips[h], dst_port=port)


def _a_brute_force(g, h, attacker, i, r):
    user = ("root", "admin", "root", "test", "oracle")[r[0] % 5]
    port = 30000 + int(r[1] % 30000)
    if r[2] % 4 == 0:
        message = f"Invalid user {user} from {attacker} port {port}"
    else:
        message = f"Failed password for {user} from {attacker} port {port} ssh2"
    return g._record(h, "sshd", 1000 + r[3] % 30000, "warning", message, src_ip=attacker, src_port=port,
                     dst_ip=g.host_ips[h], dst_port=22, user=user)


def _a_exfiltration(g, h, attacker, i, r):
    size = 50_000_000 + int(r[0] % 400_000_000)
    return g._record(h, "kernel", 0, "info",
                     f"conntrack: closed TCP {g.host_ips[h]}:{40000 + r[1] % 20000} -> {attacker}:443 bytes={size}",
                     src_ip=g.host_ips[h], dst_ip=attacker, dst_port=443, bytes=size)


def _a_hardware(g, h, attacker, i, r):
    sector = int(r[0] % 100_000_000)
    message = (f"blk_update_request: I/O error, dev sda, sector {sector}",
               f"EXT4-fs error (device sda1): ext4_find_entry:1455: inode #{r[1] % 900000}: comm nginx: reading directory lblock 0",
               f"mce: [Hardware Error]: Machine check events logged, CPU {r[2] % 16} bank 4")[i % 3]
    return g._record(h, "kernel", 0, "error", message)


def _a_crash_loop(g, h, attacker, i, r):
    service = _CRASH_SERVICES[h % len(_CRASH_SERVICES)]
    message = (f"{service}.service: Main process exited, code=killed, status=11/SEGV",
               f"{service}.service: Failed with result 'signal'.",
               f"{service}.service: Scheduled restart job, restart counter is at {i // 4 + 1}.",
               f"Started {service}.service.")[i % 4]
    return g._record(h, "systemd", 1, "error" if i % 4 < 2 else "info", message)


_ANOMALY_EVENTS = {"port_scan": _a_port_scan, "brute_force": _a_brute_force,
                   "exfiltration": _a_exfiltration, "hardware_error": _a_hardware,
                   "crash_loop": _a_crash_loop}
