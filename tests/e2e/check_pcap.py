#!/usr/bin/env python3
"""Checks one capture of `rekeysim run --pcap` against the run (tests/e2e/test_pcap.sh).

Usage: check_pcap.py CAPTURE EVENTS.tsv RUN.json POINT FULL
POINT is client, server or bottleneck (--pcap-at); FULL is 1 when the
capture kept whole frames. tshark (REKEYSIM_TSHARK) is the oracle: the
frames it reads, their expert infos, its TCP analysis, its SMB and ISAKMP
fields are compared with what the run's typed events (--events) and its
outcome (--json) say. Prints one "ok:" or "FAIL:" line per check; exit 1 on
any failure.
"""
import csv
import json
import os
import subprocess
import sys

TSHARK = os.environ.get("REKEYSIM_TSHARK") or "tshark"
CAPINFOS = os.path.join(os.path.dirname(TSHARK), "capinfos") if os.path.dirname(TSHARK) else "capinfos"
ISN = {"client": 0x1000, "server": 0xFFFF0000}  # models/tcp.c: the fixed initial sequence numbers
fails = 0


def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        fails += 1


def tshark(cap, *args):
    out = subprocess.run([TSHARK, "-n", "-r", cap] + list(args), capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"FAIL: tshark {' '.join(args)} exit {out.returncode}: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if line]


def fields(cap, flt, *names):
    args = ["-Y", flt, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for n in names:
        args += ["-e", n]
    return [line.split("\t") for line in tshark(cap, *args)]


def main(cap, tsv, js, point, full):
    full = full == "1"
    with open(js) as f:
        run = json.load(f)
    with open(tsv) as f:
        ev = list(csv.DictReader(f, delimiter="\t"))
    tag = f"{os.path.basename(cap)} at {point}"

    # Every packet is read, and as many as the run put on the wire there.
    frames = tshark(cap)
    capinfo = subprocess.run([CAPINFOS, "-M", "-c", "-u", "-T", "-r", cap], capture_output=True, text=True)
    row = capinfo.stdout.strip().splitlines()[-1].split("\t")
    n_cap, duration = int(row[1]), float(row[2] or 0)
    check(n_cap == len(frames), f"{tag}: tshark reads all {n_cap} frames capinfos counts ({len(frames)})")
    # Packets each host put on the wire: its segments and IKE messages, less
    # what its IPsec dropped or still held at the end and what the link's
    # full queue refused before transmission.
    on_wire = {"client": 0, "server": 0}
    lost = {"client": 0, "server": 0}  # lost on the wire, after the transmitter
    for e in ev:
        h, k = e["host"], e["event"]
        if k in ("tcp_send", "tcp_resend", "ike_send", "icmp_send"):
            on_wire[h] += 1
        elif k in ("ipsec_drop", "ipsec_hold"):
            on_wire[h] -= 1
        elif k == "ipsec_release":
            on_wire[h] += int(e["count"])
        elif k == "link_drop":
            src = "server" if e["flags"] == "1" else "client"
            if e["detail"] in ("queue", "flight-oom"):
                on_wire[src] -= 1
            else:
                lost[src] += 1
    if point == "bottleneck":
        want = on_wire["client"] + on_wire["server"]
    else:
        other = "server" if point == "client" else "client"
        want = on_wire[point] + on_wire[other] - lost[other]
    # The copy ends at the client (the last packet it receives): at the
    # server's wire, the client's packets still on their way then never
    # arrive. They are those the client sent within a one-way trip (delay
    # plus serialisation, under 300 us on the default link) of the end.
    # Likewise at the bottleneck of a path with access links: a packet sent
    # within its access link's time (under 300 us on every preset's LAN
    # segment) of the end never reaches the bottleneck.
    in_flight = 0
    if point == "server" or point == "bottleneck":
        end = max(float(e["time_s"]) for e in ev)
        in_flight = sum(1 for e in ev if (e["host"] == "client" or point == "bottleneck")
                        and e["event"] in ("tcp_send", "tcp_resend") and float(e["time_s"]) > end - 300e-6)
    check(want - in_flight <= n_cap <= want,
          f"{tag}: {n_cap} frames, the run put {want} on this wire ({in_flight} still in flight at the end)")
    # Duration: at the client's wire a completed copy ends with the last
    # packet the client receives (the FIN exchange), so the capture spans the
    # run's duration to the nanosecond.
    if point == "client" and run["completed"]:
        check(abs(duration - run["duration_s"]) < 1e-8,
              f"{tag}: capture duration {duration:.9f} s = run duration {run['duration_s']:.9f} s")

    # No malformed frame and no expert info at warning level or above (the
    # Errors and Warns sections of tshark's expert statistics), with the IP,
    # TCP and UDP checksums verified when whole frames were kept. The
    # exceptions, each for a reason that holds of real traffic too:
    #  - in a run with retransmissions, "out-of-order" (see the TCP check
    #    below) and, on whole frames, "New fragment overlaps old data
    #    (retransmission?)", which tshark files under Malformed: a tap that
    #    sees a segment before the wire loses it sees its retransmission too,
    #    and the retransmission repeats stream bytes tshark already
    #    reassembled. Its serious sibling, "Overlapping data in new fragment
    #    differs from old data" (a retransmission with other bytes than the
    #    original), is never allowed;
    #  - at the client or server tap of a lossy run, "Previous segment(s) not
    #    captured": the wire lost the segment before it reached the tap, which
    #    is what tcpdump there would see.
    opts = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]
    stats = tshark(cap, *(opts if full else []), "-q", "-z", "expert")
    section, bad = None, []
    for line in stats:
        word = line.split(" ")[0]
        if word in ("Errors", "Warns", "Notes", "Chats", "Comments"):
            section = word
        elif section in ("Errors", "Warns") and line.startswith(" ") and "Frequency" not in line:
            bad.append(line.strip())
    lossy = any(lost.values())
    retx_run = any(e["event"] == "tcp_resend" for e in ev)
    allowed = []
    if retx_run:
        allowed += ["out-of-order segment", "New fragment overlaps old data"]
    if lossy and point != "bottleneck":
        allowed += ["Previous segment(s) not captured"]
    unexplained = [b for b in bad if not any(a in b for a in allowed) or "differs" in b]
    check(not unexplained, f"{tag}: no malformed frame or warning{' (checksums verified)' if full else ''}"
          + (f" but {len(bad)} explained ({'; '.join(bad)})" if bad and not unexplained else "")
          + (f"; unexplained: {unexplained}" if unexplained else ""))
    lossy = lossy or retx_run

    # TCP: tshark's retransmissions equal the run's, less the ones IPsec held
    # and never let onto the wire (tshark cannot see those; the model counts
    # what TCP sent). At the bottleneck, next to both senders, a segment is
    # never reordered (one FIFO wire per direction), so each "out-of-order"
    # there is a retransmission that tshark's timing heuristic (within an RTT
    # of the highest segment) labels out-of-order: the model is right, and
    # the three classes are counted together.
    if point == "bottleneck":
        held = {(e["time_s"], e["host"], int(e["seq"])) for e in ev if e["event"] == "ipsec_hold"}
        hidden = sum(1 for e in ev if e["event"] == "tcp_resend" and
                     (e["time_s"], e["host"], (int(e["seq"]) + ISN[e["host"]]) & 0xFFFFFFFF) in held)
        retx = len(tshark(cap, "-Y", "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || "
                          "tcp.analysis.out_of_order"))
        check(retx == run["n_retransmits"] - hidden,
              f"{tag}: tshark sees {retx} retransmissions = the run's {run['n_retransmits']} less {hidden} held by IPsec")

    # SMB: command names, FIDs, READ_ANDX offsets and counts, when the copy
    # runs in clear (under ESP the SMB bytes are ciphertext on the wire).
    n_esp = len(tshark(cap, "-Y", "esp"))
    names = set(l[0] for l in fields(cap, "smb", "_ws.col.Info"))
    for cmd in () if n_esp else ("Negotiate Protocol Request", "Session Setup AndX Request", "Tree Connect AndX Request",
                "NT Create AndX Request", "NT Create AndX Response"):
        check(any(cmd in n for n in names), f"{tag}: tshark shows {cmd}")
    write = any(e["event"] == "smb_send" and e["detail"] == "WRITE_ANDX" for e in ev)
    op, cmd = ("WRITE_ANDX", "0x2f") if write else ("READ_ANDX", "0x2e")
    # The file bytes of the data messages: READ_ANDX responses (server) or
    # WRITE_ANDX requests (client), from the events.
    moved = sum(int(e["count"]) for e in ev if e["event"] == "smb_send" and e["detail"] == op
                and e["host"] == ("client" if write else "server"))
    count_field = "smb.data_len_low" if write else "smb.maxcount_low"
    req = fields(cap, f"smb.cmd == {cmd} && smb.flags.response == 0", "smb.fid", "smb.offset", count_field)
    offs, cnts, fids = [], [], set()
    for fid, off, cnt in req:
        fids |= set(fid.split(","))
        offs += [int(x) for x in off.split(",") if x]
        cnts += [int(x) for x in cnt.split(",") if x]
    if point == "client" and not lossy and not n_esp and (full or not write):
        # (A WRITE_ANDX request carries its data, so with headers only it is
        # split like a READ_ANDX response: see below.)
        contiguous = all(offs[i] + cnts[i] == offs[i + 1] for i in range(len(offs) - 1))
        check(offs[:1] == [0] and contiguous, f"{tag}: {len(offs)} {op} requests at contiguous offsets from 0")
        check(fids == {"0x4001"}, f"{tag}: every {op} names FID 0x4001 ({sorted(fids)})")
    # The data messages: a READ_ANDX response (or WRITE_ANDX request) starts
    # anywhere in a segment (after the tail of the one before), and only a
    # capture of whole frames lets tshark reassemble the stream and find
    # every one. With headers only tshark finds those that start a segment,
    # as it would in a tcpdump -s 128 capture of real traffic.
    if point == "client" and not lossy and not n_esp and full:
        if write:
            data = cnts
        else:
            resp = fields(cap, "smb.cmd == 0x2e && smb.flags.response == 1", "smb.data_len_low")
            data = [int(x) for r in resp for x in r[0].split(",")]
        check(sum(data) == moved, f"{tag}: {len(data)} {op} data messages carry {sum(data)} bytes, the run sent {moved}")
        if run["completed"]:
            check(sum(data) == run["bytes_done"], f"{tag}: and the copy moved {run['bytes_done']}")
        close = fields(cap, "smb.cmd == 0x04", "smb.fid")
        check(len(close) == 2 and all(f == ["0x4001"] for f in close), f"{tag}: CLOSE request and response on FID 0x4001: {close}")

    # ISAKMP: one frame per IKE message on this wire, with its exchange type.
    xtype = {"QM1": "32", "QM2": "32", "QM3": "32", "AuthIP-MM1": "243"}
    want_x = {}
    for e in ev:
        if e["event"] == "ike_send" and (point == "bottleneck" or not lost["client"] + lost["server"]):
            t = xtype.get(e["detail"], "5" if e["detail"].startswith("NOTIFY") else "2")
            want_x[t] = want_x.get(t, 0) + 1
    got_x = {}
    for (x,) in fields(cap, "isakmp", "isakmp.exchangetype"):
        got_x[x] = got_x.get(x, 0) + 1
    if point == "bottleneck" or not lost["client"] + lost["server"]:
        check(got_x == want_x, f"{tag}: ISAKMP exchange types {got_x} = the run's IKE messages {want_x}")
    # ESP only while a hard SA protects the flow: each ESP frame's sender has
    # installed a hard SA before it (the sender's EV_SA_INSTALL, host and
    # time from the event table) and not deleted its last one since.
    hard_at = {"client": [], "server": []}
    for e in ev:
        if e["event"] == "sa_install":
            hard_at[e["host"]].append((float(e["time_s"]), e["detail"] == "hard"))
    src_host = {"10.1.0.10": "client", "10.2.0.20": "server"}
    esp_ok = True
    for t, ipsrc in fields(cap, "esp", "frame.time_epoch", "ip.src"):
        sec, _, frac = t.partition(".")  # exact: a double would round the nanoseconds
        t = (int(sec) - 1259625600) + float("0." + (frac or "0"))  # the capture's epoch (results/capture.c)
        last = [k for (ti, k) in hard_at[src_host[ipsrc]] if ti <= t + 1e-9]
        if not last or not last[-1]:
            esp_ok = False
    check(esp_ok, f"{tag}: every ESP frame is sent under a hard SA its sender installed")
    hard = any(e["event"] == "sa_install" and e["detail"] == "hard" for e in ev)
    check(hard or n_esp == 0, f"{tag}: {n_esp} ESP frames, hard SA installed: {hard}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
