/*
 * Application bytes of the capture: NetBIOS session service + SMB1 messages
 * of the copy, and ISAKMP messages of IKE.
 *
 * SMB: each message is laid out as MS-CIFS gives it, sized to the bytes the
 * model puts on the stream (models/smb.c): NetBIOS header (type 0, 17-bit
 * length), the 32-byte SMB header (command, status, flags, flags2 for NT LM
 * 0.12 with Unicode, NT status and extended security, TID, PID, UID, MID),
 * the parameter words and the byte block. The byte blocks hold what Windows
 * puts there: the dialect list, the SPNEGO blob of the negotiate response,
 * raw NTLMSSP negotiate / challenge / authenticate messages, native OS and
 * LAN Manager strings, the share path, the file name; padding is zeros. MIDs
 * count up per request and responses echo them in order (the server answers
 * in order on one stream); the UID appears from the first session setup
 * response, the TID from the tree connect response; the FID is 0x4001;
 * READ/WRITE offsets are the running sum of the data lengths requested
 * (the copy reads or writes the file front to back). File data is zeros.
 *
 * ISAKMP (RFC 2408): cookies derived from the exchange id, next payload,
 * version 1.0, exchange type (main mode 2, quick mode 32, informational 5,
 * AuthIP main mode 243 [I]), flags (encrypted from MM5 on and in quick
 * mode), message id, length, then a payload chain whose generic headers
 * cover the message exactly: SA with one proposal and one transform plus
 * vendor IDs in MM1/MM2, key exchange and nonce in MM3/MM4, encrypted bodies
 * after that, a notification (AUTHENTICATION-FAILED, 24) for the failure.
 */
#include <stdio.h>
#include <string.h>
#include "results/capture_int.h"

/* The SMB message kinds of EV_SMB_SEND's msg field (models/smb.c, enum kind). */
enum { K_NEGOTIATE, K_SESSION1, K_SESSION2, K_TREE, K_CREATE, K_READ, K_WRITE, K_CLOSE, K_N };
static const uint8_t smb_cmd[K_N] = {0x72, 0x73, 0x73, 0x75, 0xA2, 0x2E, 0x2F, 0x04};

/* IKE message kinds of pkt.ike_msg (models/ipsec_int.h). */
enum { MM1 = 1, MM2, MM3, MM4, MM5, MM6, QM1, QM2, QM3, NOTIFY_FAIL, AUTHIP_MM1 };

enum { SMB_HDR = 32, NB_HDR = 4 };

/* Writes TEXT as UTF-16LE with its terminating NUL into B, at most ROOM
 * bytes; returns the bytes written. */
static uint32_t put_utf16(uint8_t *b, uint32_t room, const char *text)
{
    uint32_t n = 0;
    for (const char *q = text; *q && n + 4 <= room; q++, n += 2) cap__le16(b + n, (uint8_t)*q);
    if (n + 2 <= room) n += 2; /* the NUL is already zero */
    return n;
}

static uint32_t put_ascii(uint8_t *b, uint32_t room, const char *text)
{
    uint32_t n = (uint32_t)strlen(text) + 1;
    if (n > room) n = room;
    memcpy(b, text, n ? n - 1 : 0);
    return n;
}

static const char *os_name(int os)
{
    switch (os) {
    case PRM_OS_2003: return "Windows Server 2003 3790 Service Pack 2";
    case PRM_OS_VISTA: return "Windows Vista (TM) Business 6002 Service Pack 2";
    case PRM_OS_2008: return "Windows Server (R) 2008 Standard 6002 Service Pack 2";
    }
    return "Windows 5.1";
}

/* Native OS and LAN Manager strings of host H at SMB offset POS (Unicode:
 * aligned to 2 bytes from the SMB header) into B, at most ROOM bytes. */
static void native_strings(const cap_capture *c, int h, uint8_t *b, uint32_t pos, uint32_t room)
{
    uint32_t n = pos & 1;
    int os = c->cfg->host[h].os;
    n += put_utf16(b + n, room > n ? room - n : 0, os_name(os));
    n += put_utf16(b + n, room > n ? room - n : 0, os == PRM_OS_XP ? "Windows 2000 LAN Manager" : os_name(os));
}

static const uint8_t ntlmssp_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/* NTLMSSP messages (MS-NLMP), raw in the security blob. Return their length. */
static uint32_t ntlm_negotiate(uint8_t *b)
{
    memcpy(b, ntlmssp_sig, 8);
    cap__le32(b + 8, 1);
    cap__le32(b + 12, 0xE2088297u);
    cap__le32(b + 20, 40); /* empty domain and workstation, offsets past the header */
    cap__le32(b + 28, 40);
    b[32] = 5, b[33] = 1;
    cap__le16(b + 34, 2600);
    b[39] = 15;
    return 40;
}

static uint32_t ntlm_challenge(uint8_t *b)
{
    memcpy(b, ntlmssp_sig, 8);
    cap__le32(b + 8, 2);
    cap__le32(b + 16, 56); /* empty target name */
    cap__le32(b + 20, 0xE2898215u);
    for (int i = 0; i < 8; i++) b[24 + i] = (uint8_t)(0x11 * (i + 1));
    cap__le16(b + 40, 4); /* target info: MsvAvEOL only */
    cap__le16(b + 42, 4);
    cap__le32(b + 44, 56);
    b[48] = 5, b[49] = 1;
    cap__le16(b + 50, 2600);
    b[55] = 15;
    return 60;
}

static uint32_t ntlm_authenticate(uint8_t *b)
{
    memcpy(b, ntlmssp_sig, 8);
    cap__le32(b + 8, 3);
    const uint32_t base = 88; /* header with version and MIC */
    /* LM response 24, NT response 24, domain/user/workstation empty, session key 16 */
    cap__le16(b + 12, 24), cap__le16(b + 14, 24), cap__le32(b + 16, base);
    cap__le16(b + 20, 24), cap__le16(b + 22, 24), cap__le32(b + 24, base + 24);
    cap__le32(b + 32, base + 48);
    cap__le32(b + 40, base + 48);
    cap__le32(b + 48, base + 48);
    cap__le16(b + 52, 16), cap__le16(b + 54, 16), cap__le32(b + 56, base + 48);
    cap__le32(b + 60, 0xE2888215u);
    b[64] = 6, b[65] = 0;
    cap__le16(b + 66, 6002);
    b[71] = 15;
    return base + 48 + 16;
}

/* The SPNEGO negTokenInit of a Windows negotiate response (74 bytes). */
static const uint8_t spnego_init[74] = {
    0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06,
    0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b, 0x24,
    'n',  'o',  't',  '_',  'd',  'e',  'f',  'i',  'n',  'e',  'd',  '_',  'i',  'n',  '_',  'R',  'F',  'C',  '4',
    '1',  '7',  '8',  '@',  'p',  'l',  'e',  'a',  's',  'e',  '_',  'i',  'g',  'n',  'o',  'r',  'e'};

static const char *const dialects[] = {
    "PC NETWORK PROGRAM 1.0", "LANMAN1.0", "Windows for Workgroups 3.1a", "LM1.2X002", "LANMAN2.1", "NT LM 0.12"};
#define N_DIALECTS 6

/* The parameter words and byte block of KIND from FROM at W (the word count
 * byte); WORDS and BYTES are what the message's size leaves for them. */
static void smb_body(cap_capture *c, int kind, int response, uint8_t *w, uint32_t words, uint32_t bytes, uint32_t count,
                     uint64_t offset)
{
    uint8_t *p = w + 1, *bb = w + 1 + 2 * words + 2;
    uint32_t pos = SMB_HDR + 1 + 2 * words + 2; /* offset of the byte block from the SMB header */
    w[0] = (uint8_t)words;
    cap__le16(w + 1 + 2 * words, bytes);
    int h = response ? PRM_SERVER : PRM_CLIENT;
    if (words >= 2 && (kind == K_SESSION1 || kind == K_SESSION2 || kind == K_TREE || kind == K_CREATE ||
                       kind == K_READ || kind == K_WRITE)) {
        p[0] = 0xFF; /* no further AndX command */
    }
    switch (kind) {
    case K_NEGOTIATE:
        if (!response) {
            uint32_t n = 0;
            for (int i = 0; i < N_DIALECTS && n < bytes; i++) {
                bb[n++] = 2;
                n += put_ascii(bb + n, bytes - n, dialects[i]);
            }
            /* The rest: the SMB2 dialects a Vista/2008 client adds (their
             * servers answer in SMB1 when the server is XP/2003), or for XP
             * one more name, sized to what the message leaves. */
            int os = c->cfg->host[PRM_CLIENT].os;
            const char *more = os == PRM_OS_VISTA || os == PRM_OS_2008 ? "SMB 2.002" : "NT LANMAN 1.0";
            while (bytes - n >= 3) {
                char name[64];
                uint32_t room = bytes - n - 2, take = room < 63 ? room : 63;
                snprintf(name, sizeof name, "%s%s", more, "????????????????????????????????????????????????");
                if (bytes - n - 2 - take >= 3 || take == room) {
                    name[take] = 0;
                } else {
                    take = room - 3;
                    name[take] = 0;
                }
                bb[n++] = 2;
                n += put_ascii(bb + n, bytes - n, name);
            }
        } else {
            cap__le16(p, N_DIALECTS - 1);
            p[2] = 3; /* user security, challenge/response */
            cap__le16(p + 3,
                      (uint32_t)(c->cfg->host[PRM_SERVER].smb_maxmpx ? c->cfg->host[PRM_SERVER].smb_maxmpx : 10));
            cap__le16(p + 5, 1);
            cap__le32(p + 7, 16644);
            cap__le32(p + 11, 65536);
            cap__le32(p + 19, 0x8000E3FDu); /* capabilities, extended security */
            cap__le16(p + 31, 0);
            for (int i = 0; i < 16 && (uint32_t)i < bytes; i++) bb[i] = (uint8_t)(0xA0 + i); /* server GUID */
            if (bytes >= 16 + sizeof spnego_init) memcpy(bb + 16, spnego_init, sizeof spnego_init);
        }
        break;
    case K_SESSION1:
    case K_SESSION2: {
        uint8_t blob[160] = {0};
        uint32_t bl;
        if (!response) {
            bl = kind == K_SESSION1 ? ntlm_negotiate(blob) : ntlm_authenticate(blob);
            cap__le16(p + 4, 16644);
            cap__le16(p + 6, 50);
            cap__le16(p + 14, bl);
            cap__le32(p + 20, 0x800000D4u);
        } else {
            bl = kind == K_SESSION1 ? ntlm_challenge(blob) : 0;
            cap__le16(p + 6, bl);
        }
        if (bl > bytes) bl = bytes;
        memcpy(bb, blob, bl);
        native_strings(c, h, bb + bl, pos + bl, bytes - bl);
        break;
    }
    case K_TREE:
        if (!response) {
            cap__le16(p + 4, 0x000C);
            cap__le16(p + 6, 1);
            /* password (1), path (Unicode, at an even offset), service "?????" */
            uint32_t n = 1 + ((pos + 1) & 1);
            n += put_utf16(bb + n, bytes > n + 6 ? bytes - n - 6 : 0, "\\\\10.2.0.20\\COPY");
            if (n < bytes) put_ascii(bb + n, bytes - n, "?????");
        } else {
            cap__le16(p + 4, 0x0001);
            uint32_t n = put_ascii(bb, bytes, "A:");
            n += (pos + n) & 1;
            put_utf16(bb + n, bytes > n ? bytes - n : 0, "NTFS");
        }
        break;
    case K_CREATE:
        if (!response) {
            uint32_t n = (pos & 1);
            uint32_t name = put_utf16(bb + n, bytes > n ? bytes - n : 0, "\\rekeysim\\copy.bin");
            cap__le16(p + 5, name);
            cap__le32(p + 15, 0x00020089u); /* read, read attributes, synchronize */
            cap__le32(p + 31, 0x80);        /* normal file */
            cap__le32(p + 35, 1);           /* share read */
            cap__le32(p + 39, 1);           /* open existing */
            cap__le32(p + 43, 0x40);        /* non-directory file */
            cap__le32(p + 47 - 0, 2);       /* impersonation */
        } else {
            cap__le16(p + 5, c->fid);
            cap__le32(p + 7, 1);                        /* opened */
            cap__le32(p + 43, 0x80);                    /* attributes */
            cap__le64(p + 47, c->cfg->file_size_bytes); /* allocation */
            cap__le64(p + 55, c->cfg->file_size_bytes); /* end of file */
        }
        break;
    case K_READ:
        if (!response) {
            cap__le16(p + 4, c->fid);
            cap__le32(p + 6, (uint32_t)offset);
            cap__le16(p + 10, count & 0xFFFF);
            cap__le16(p + 12, count & 0xFFFF);
            cap__le32(p + 14, count >> 16); /* MaxCountHigh */
            cap__le32(p + 20, (uint32_t)(offset >> 32));
        } else {
            cap__le16(p + 4, 0xFFFF);
            cap__le16(p + 10, count & 0xFFFF);
            cap__le16(p + 12, pos + 1); /* data after one pad byte */
            cap__le16(p + 14, count >> 16);
        }
        break;
    case K_WRITE:
        if (!response) {
            cap__le16(p + 4, c->fid);
            cap__le32(p + 6, (uint32_t)offset);
            cap__le16(p + 18, count >> 16);
            cap__le16(p + 20, count & 0xFFFF);
            cap__le16(p + 22, pos + 1);
            cap__le32(p + 24, (uint32_t)(offset >> 32));
        } else {
            cap__le16(p + 4, count & 0xFFFF);
            cap__le16(p + 6, 0xFFFF);
            cap__le16(p + 8, count >> 16);
        }
        break;
    case K_CLOSE:
        if (!response) {
            cap__le16(p, c->fid);
            cap__le32(p + 2, 0xFFFFFFFFu);
        }
        break;
    }
}

/* Parameter words of each kind, request and response (MS-CIFS 2.2.4). */
static const uint8_t words_req[K_N] = {0, 12, 12, 4, 24, 12, 14, 3};
static const uint8_t words_resp[K_N] = {17, 4, 4, 3, 34, 12, 6, 0};

uint32_t cap__smb_message(cap_capture *c, int from, int kind, uint32_t len, uint32_t count, uint8_t *out)
{
    if (kind < 0 || kind >= K_N || len < NB_HDR + SMB_HDR + 3) return 0;
    int response = from == PRM_SERVER;
    uint32_t words = response ? words_resp[kind] : words_req[kind];
    uint32_t file = (kind == K_READ && response) || (kind == K_WRITE && !response) ? count : 0;
    uint32_t fixed = NB_HDR + SMB_HDR + 1 + 2 * words + 2;
    if (fixed > len || len - file > CAP_SMB_HDR_MAX) return 0;
    uint32_t bytes = len - fixed; /* byte block, data included */
    memset(out, 0, len - file);
    out[0] = 0;
    out[1] = (uint8_t)((len - NB_HDR) >> 16 & 1);
    cap__be16(out + 2, len - NB_HDR);
    uint8_t *s = out + NB_HDR;
    s[0] = 0xFF, s[1] = 'S', s[2] = 'M', s[3] = 'B';
    s[4] = smb_cmd[kind];
    uint16_t mid;
    if (!response) {
        mid = ++c->mid;
        if (c->mid_n < 256) c->mids[(c->mid_head + c->mid_n++) & 255] = mid;
    } else {
        mid = c->mid_n ? c->mids[c->mid_head] : 0;
        if (c->mid_n) c->mid_head = (c->mid_head + 1) & 255, c->mid_n--;
        if (kind == K_SESSION1) {
            cap__le32(s + 5, 0xC0000016u); /* STATUS_MORE_PROCESSING_REQUIRED */
            c->uid = 0x0800;
        }
    }
    s[9] = response ? 0x98 : 0x18;
    cap__le16(s + 10, 0xC807);
    cap__le16(s + 24, c->tid);
    cap__le16(s + 26, 0xFEFF);
    cap__le16(s + 28, c->uid);
    cap__le16(s + 30, mid);
    uint64_t offset = c->read_offset;
    if (!response && (kind == K_READ || kind == K_WRITE)) c->read_offset += count;
    smb_body(c, kind, response, s + SMB_HDR, words, bytes, count, offset);
    if (response && kind == K_TREE) c->tid = 0x0800;
    return len - file;
}

/* ---- ISAKMP ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    return x ^ (x >> 33);
}

static void put_be64(uint8_t *b, uint64_t v)
{
    cap__be32(b, (uint32_t)(v >> 32));
    cap__be32(b + 4, (uint32_t)v);
}

/* A generic payload header at B: next payload NEXT, length LEN. */
static void payload(uint8_t *b, uint8_t next, uint32_t len)
{
    b[0] = next;
    b[1] = 0;
    cap__be16(b + 2, len);
}

/* SA payload (DOI IPsec, identity only) with one ISAKMP proposal of one
 * KEY_IKE transform: 3DES, SHA-1, RSA signatures, MODP group 2. */
static uint32_t sa_payload(uint8_t *b, uint8_t next)
{
    payload(b, next, 44);
    cap__be32(b + 4, 1);
    cap__be32(b + 8, 1);
    uint8_t *pr = b + 12;
    payload(pr, 0, 32);
    pr[4] = 1, pr[5] = 1, pr[6] = 0, pr[7] = 1;
    uint8_t *t = pr + 8;
    payload(t, 0, 24);
    t[4] = 1, t[5] = 1;
    static const uint16_t attrs[8] = {0x8001, 5, 0x8002, 2, 0x8003, 3, 0x8004, 2};
    for (int i = 0; i < 8; i++) cap__be16(t + 8 + 2 * i, attrs[i]);
    return 44;
}

void cap__isakmp(const cap_capture *c, const pkt *p, uint8_t *b, uint32_t len)
{
    int kind = p->ike_msg;
    int quick = kind == QM1 || kind == QM2 || kind == QM3;
    uint8_t xtype = quick ? 32 : kind == NOTIFY_FAIL ? 5 : kind == AUTHIP_MM1 ? 243 : 2;
    uint64_t icookie = mix64(p->ike_xchg * 2 + 1) | 1, rcookie = mix64(p->ike_xchg * 2 + 2) | 1;
    if (kind == MM1 || kind == AUTHIP_MM1) rcookie = 0;
    put_be64(b, icookie);
    put_be64(b + 8, rcookie);
    b[17] = 0x10;
    b[18] = xtype;
    int encrypted = quick || kind == MM5 || kind == MM6;
    b[19] = encrypted ? 1 : 0;
    cap__be32(b + 20, quick || kind == NOTIFY_FAIL ? (uint32_t)mix64(p->ike_xchg) | 1 : 0);
    cap__be32(b + 24, len);
    uint8_t *q = b + 28;
    uint32_t room = len > 28 ? len - 28 : 0;
    if (encrypted) { /* the first payload's type; the chain itself is ciphertext */
        b[16] = quick ? 8 : 5;
        return;
    }
    switch (kind) {
    case MM1:
    case MM2:
    case AUTHIP_MM1: {
        b[16] = 1;
        uint32_t n = room >= 44 + 4 ? sa_payload(q, 13) : 0;
        /* vendor IDs of 20 bytes, the last one taking what is left */
        while (room - n >= 4) {
            uint32_t l = room - n >= 44 ? 20 : room - n;
            payload(q + n, room - n - l >= 4 ? 13 : 0, l);
            n += l;
        }
        break;
    }
    case MM3:
    case MM4:
        b[16] = 4;
        if (room >= 8) {
            uint32_t ke = room / 2 > 132 ? 132 : room / 2;
            payload(q, 10, ke);
            payload(q + ke, 0, room - ke);
        }
        break;
    case NOTIFY_FAIL:
    default:
        b[16] = 11;
        if (room >= 12) {
            payload(q, 0, room);
            cap__be32(q + 4, 1);
            q[8] = 1;
            q[9] = 0;
            cap__be16(q + 10, 24); /* AUTHENTICATION-FAILED */
        }
        break;
    }
}
