#ifndef RESULTS_CAPTURE_H
#define RESULTS_CAPTURE_H
/*
 * Packet captures of one run (`rekeysim run --pcap FILE`): a packet tap on
 * the link (models/core/pkt.h pkt_tap) that turns each simulated packet into
 * real Ethernet II / IPv4 / TCP, UDP + ISAKMP or ESP header bytes, and an
 * event sink (models/core/record.h) that follows the SMB messages the copy
 * hands to TCP, so each segment carries the NetBIOS and SMB1 headers that sit
 * in its stream bytes. Written with libpcap (nanosecond timestamps, link type
 * Ethernet) to a temporary file that replaces PATH only on cap_close(..., 1).
 * Observing changes nothing in the run. doc/design.md ("Packet captures")
 * says where every header field comes from.
 */
#include <stddef.h>
#include <stdint.h>
#include "models/core/params.h"
#include "models/core/pkt.h"
#include "models/core/record.h"

/* Snap lengths: 0 = headers only (each frame keeps its protocol headers, file
 * data is cut), else CAP_SNAPLEN_MIN..CAP_SNAPLEN_MAX bytes per frame. */
#define CAP_SNAPLEN_HEADERS 0
#define CAP_SNAPLEN_MIN 64
#define CAP_SNAPLEN_MAX 262144

/* Errors. */
enum { CAP_EIO = -1, CAP_ENOMEM = -2, CAP_EINPUT = -3 };

typedef struct cap_capture cap_capture;

/* Counts of what was written (for tests and reports). */
typedef struct cap_counts {
    uint64_t n_frames;
    uint64_t n_bytes_captured; /* frame bytes stored (caplen sum) */
    uint64_t n_bytes_wire;     /* frame bytes on the wire (len sum) */
} cap_counts;

/* A capture into PATH of a run of CFG (borrowed, must outlive it) observed
 * at tap point WHERE (LINK_TAP_*), SNAPLEN as above. Creates the temporary
 * file next to PATH at once, so an unwritable place fails before the run:
 * CAP_EINPUT (ERR says why) or CAP_ENOMEM. Caller closes with cap_close. */
int cap_new(const char *path, const prm_config *cfg, int where, int snaplen, char *err, size_t errlen,
            cap_capture **cap_out);
/* The tap to install on the link and the sink to add to the recorder; both
 * borrow CAP. */
pkt_tap cap_tap(cap_capture *cap);
rec_sink cap_sink(cap_capture *cap);
/* Writes what is still buffered, closes the file and, when KEEP, renames it
 * to PATH; otherwise removes it. Frees CAP (NULL: no-op, returns 0). Returns
 * 0, or CAP_EIO / CAP_ENOMEM with ERR filled (the temporary is removed). */
int cap_close(cap_capture *cap, int keep, char *err, size_t errlen);
cap_counts cap_get_counts(const cap_capture *cap);

#endif
