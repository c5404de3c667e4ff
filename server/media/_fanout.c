/* The compiled fan-out: one call forwards a source's packets (a video frame, or one audio
 * packet) to every steady outlet of the source.
 *
 * ``Lane`` is the base of ``server.media.outlet.Outlet``: it holds the outgoing stream's
 * numbers (sequence and timestamp offsets, the last packet sent, counts) as C fields, so
 * Python reads and writes them as attributes while ``fan_out`` reads them without the
 * interpreter, and the 128-packet history NACKs are answered from. ``plug`` gives it what
 * the outlet's wire sends with: libsrtp's ``srtp_protect`` and the viewer's context (both as
 * addresses, taken from pylibsrtp's cffi objects; this module does not link libsrtp), the
 * wire's connected UDP socket and the RTP header the outlet writes (a template: fixed part
 * and header extensions, the shared extension value at ``EXT_AT``).
 *
 * ``fan_out(outlets, packets, ext, ntp)`` does for each plugged outlet that is not waiting
 * what ``Outlet.send`` and ``Wire.send_rtp`` do: write each header, copy the payload,
 * protect in place, send the frame in one segmented ``sendmsg`` (UDP GSO; one ``send`` per
 * packet where the kernel cannot). It returns the outlets it left to Python (not plugged,
 * or waiting) and those whose socket would block (behind: Python handles it).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, Linux 4.18 */
#endif

#define HISTORY 128     /* as server.media.outlet.HISTORY */
#define HEADER_MAX 64   /* an RTP header with our one-byte extensions (40 bytes at most) */
#define EXT_AT 17       /* the shared extension value: after 12 + 4 (0xBEDE, words) + 1 */
#define EXT_MAX 4
#define PACKETS_MAX 64  /* per call; a source hands at most FRAME_BATCH (16) */
#define SCRATCH_SIZE 65536
#define TRAILER_MAX 144 /* libsrtp's SRTP_MAX_TRAILER_LEN */
#define REBASE_AFTER 4096

typedef int (*protect_fn)(void *context, void *rtp, int *length);

typedef struct {
    unsigned char header[HEADER_MAX];
    unsigned char length;
    PyObject *payload;
} Remembered;

typedef struct {
    PyObject_HEAD
    /* the outgoing stream, shared with Python as attributes */
    int pt;
    char waiting;
    unsigned int offset, base, ts_offset, last_seq, last_ts;
    unsigned long long last_ntp, packets, octets;
    /* what plug() gave */
    PyObject *wire; /* kept alive while plugged: it owns the socket and the SRTP session */
    protect_fn protect;
    void *context;
    int fd;
    char no_segmentation;
    unsigned char template[HEADER_MAX];
    int template_length, ext_length;
    Remembered history[HISTORY];
} Lane;

typedef struct {
    unsigned int seq, ts;
    int marker, pad;
    const unsigned char *payload;
    Py_ssize_t length;
    PyObject *object;
} Packet;

static unsigned char scratch[SCRATCH_SIZE + PACKETS_MAX * TRAILER_MAX];

/* --- Lane ------------------------------------------------------------------------------ */

static PyObject *Lane_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    Lane *self = (Lane *)type->tp_alloc(type, 0); /* zeroed */
    if (self != NULL) {
        self->fd = -1;
        self->waiting = 1;
    }
    return (PyObject *)self;
}

static void forget(Lane *self) {
    for (int i = 0; i < HISTORY; i++) {
        Py_CLEAR(self->history[i].payload);
    }
}

static void Lane_dealloc(Lane *self) {
    forget(self);
    Py_CLEAR(self->wire);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Lane_plug(Lane *self, PyObject *args) {
    PyObject *wire;
    unsigned long long protect, context;
    int fd, ext_length;
    Py_buffer template;
    if (!PyArg_ParseTuple(args, "OKKiy*i", &wire, &protect, &context, &fd, &template,
                          &ext_length)) {
        return NULL;
    }
    if (template.len < 16 || template.len > HEADER_MAX || ext_length < 0 ||
        ext_length > EXT_MAX || (ext_length && template.len < EXT_AT + ext_length) || fd < 0 ||
        !protect || !context) {
        PyBuffer_Release(&template);
        PyErr_SetString(PyExc_ValueError, "not a wire and header this lane can send with");
        return NULL;
    }
    memcpy(self->template, template.buf, template.len);
    self->template_length = (int)template.len;
    PyBuffer_Release(&template);
    self->ext_length = ext_length;
    self->protect = (protect_fn)(uintptr_t)protect;
    self->context = (void *)(uintptr_t)context;
    self->fd = fd;
    self->no_segmentation = 0;
    Py_INCREF(wire);
    Py_XSETREF(self->wire, wire);
    Py_RETURN_NONE;
}

static PyObject *Lane_unplug(Lane *self, PyObject *unused) {
    self->fd = -1;
    self->protect = NULL;
    self->context = NULL;
    Py_CLEAR(self->wire);
    Py_RETURN_NONE;
}

static PyObject *Lane_remember(Lane *self, PyObject *args) {
    unsigned int seq;
    PyObject *header, *payload;
    if (!PyArg_ParseTuple(args, "I(SS)", &seq, &header, &payload)) {
        return NULL;
    }
    if (PyBytes_GET_SIZE(header) > HEADER_MAX) {
        PyErr_SetString(PyExc_ValueError, "RTP header too long");
        return NULL;
    }
    Remembered *slot = &self->history[seq % HISTORY];
    memcpy(slot->header, PyBytes_AS_STRING(header), PyBytes_GET_SIZE(header));
    slot->length = (unsigned char)PyBytes_GET_SIZE(header);
    Py_INCREF(payload);
    Py_XSETREF(slot->payload, payload);
    Py_RETURN_NONE;
}

static PyObject *Lane_recall(Lane *self, PyObject *arg) {
    unsigned long seq = PyLong_AsUnsignedLong(arg);
    if (seq == (unsigned long)-1 && PyErr_Occurred()) {
        return NULL;
    }
    Remembered *slot = &self->history[seq % HISTORY];
    if (slot->payload == NULL) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(y#O)", slot->header, (Py_ssize_t)slot->length, slot->payload);
}

static PyMethodDef Lane_methods[] = {
    {"plug", (PyCFunction)Lane_plug, METH_VARARGS,
     "plug(wire, protect, context, fd, template, ext_length): send with this wire"},
    {"unplug", (PyCFunction)Lane_unplug, METH_NOARGS, "let go of the wire"},
    {"remember", (PyCFunction)Lane_remember, METH_VARARGS,
     "remember(seq, (header, payload)): keep a sent packet for NACKs"},
    {"recall", (PyCFunction)Lane_recall, METH_O,
     "recall(seq): the (header, payload) kept in seq's slot, or None"},
    {NULL},
};

static PyMemberDef Lane_members[] = {
    {"pt", T_INT, offsetof(Lane, pt), 0, NULL},
    {"waiting", T_BOOL, offsetof(Lane, waiting), 0, NULL},
    {"offset", T_UINT, offsetof(Lane, offset), 0, NULL},
    {"base", T_UINT, offsetof(Lane, base), 0, NULL},
    {"ts_offset", T_UINT, offsetof(Lane, ts_offset), 0, NULL},
    {"last_seq", T_UINT, offsetof(Lane, last_seq), 0, NULL},
    {"last_ts", T_UINT, offsetof(Lane, last_ts), 0, NULL},
    {"last_ntp", T_ULONGLONG, offsetof(Lane, last_ntp), 0, NULL},
    {"packets", T_ULONGLONG, offsetof(Lane, packets), 0, NULL},
    {"octets", T_ULONGLONG, offsetof(Lane, octets), 0, NULL},
    {"plugged", T_OBJECT, offsetof(Lane, wire), READONLY, "the wire plug() gave, or None"},
    {NULL},
};

static PyTypeObject LaneType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "server.media._fanout.Lane",
    .tp_doc = "An outlet's outgoing stream, as the compiled fan-out reads it.",
    .tp_basicsize = sizeof(Lane),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = Lane_new,
    .tp_dealloc = (destructor)Lane_dealloc,
    .tp_methods = Lane_methods,
    .tp_members = Lane_members,
};

/* --- sending --------------------------------------------------------------------------- */

static int no_segmentation(int error) {
    return error == EIO || error == EINVAL || error == ENOPROTOOPT || error == EOPNOTSUPP;
}

enum { SENT, BEHIND, LOST };

static int send_each(Lane *lane, const int *ends, int from, int to, int start) {
    for (int i = from; i < to; i++) {
        if (send(lane->fd, scratch + start, ends[i] - start, MSG_DONTWAIT) < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? BEHIND : LOST;
        }
        start = ends[i];
    }
    return SENT;
}

static int send_segmented(Lane *lane, int start, int end, int size) {
    struct iovec iov = {.iov_base = scratch + start, .iov_len = end - start};
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_UDP;
    cmsg->cmsg_type = UDP_SEGMENT;
    cmsg->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t segment = (uint16_t)size;
    memcpy(CMSG_DATA(cmsg), &segment, sizeof(segment));
    if (sendmsg(lane->fd, &msg, MSG_DONTWAIT) >= 0) {
        return SENT;
    }
    return errno;
}

/* Packets ending at ``ends`` in the scratch buffer: runs of one size (the last of a run may
 * be shorter) in one segmented sendmsg each, a packet alone with send. */
static int send_frame(Lane *lane, const int *ends, int count) {
    int start = 0, i = 0;
    while (i < count) {
        int first = ends[i] - start, j = i + 1;
        while (j < count && ends[j] - ends[j - 1] == first) {
            j++;
        }
        if (j < count && ends[j] - ends[j - 1] < first) {
            j++; /* a shorter packet may end the run */
        }
        int result = SENT;
        if (j - i == 1 || lane->no_segmentation) {
            result = send_each(lane, ends, i, j, start);
        } else {
            int error = send_segmented(lane, start, ends[j - 1], first);
            if (error == EAGAIN || error == EWOULDBLOCK) {
                result = BEHIND;
            } else if (no_segmentation(error)) {
                lane->no_segmentation = 1; /* this kernel or device cannot: one at a time */
                result = send_each(lane, ends, i, j, start);
            } else if (error != SENT) {
                result = LOST;
            }
        }
        if (result != SENT) {
            return result; /* LOST: unreachable and the like, as lost on the way (UDP) */
        }
        start = ends[j - 1];
        i = j;
    }
    return SENT;
}

static void put16(unsigned char *at, unsigned int value) {
    at[0] = (unsigned char)(value >> 8);
    at[1] = (unsigned char)value;
}

static void put32(unsigned char *at, unsigned int value) {
    put16(at, value >> 16);
    put16(at + 2, value & 0xFFFF);
}

/* Write, remember, protect and send the packets to one lane. Returns SENT, BEHIND, or -1
 * with an exception set. */
static int forward(Lane *lane, const Packet *packets, int count, const char *ext,
                   Py_ssize_t ext_length, unsigned long long ntp) {
    int ends[PACKETS_MAX];
    int written = 0, end = 0, newest = -1;
    unsigned int last_seq = lane->last_seq, last_ts = lane->last_ts;
    unsigned long long octets = 0;
    int header_length = lane->template_length;
    for (int k = 0; k < count; k++) {
        const Packet *p = &packets[k];
        if ((p->seq - lane->base) & 0x8000) {
            continue; /* from before the point we (re)started at */
        }
        unsigned int out_seq = (p->seq + lane->offset) & 0xFFFF;
        unsigned int out_ts = p->ts + lane->ts_offset;
        int size = header_length + (int)p->length;
        if (end + size > SCRATCH_SIZE) {
            PyErr_SetString(PyExc_ValueError, "more than 64 KiB of RTP in one send");
            return -1;
        }
        unsigned char *header = scratch + end;
        memcpy(header, lane->template, header_length);
        header[0] |= (unsigned char)p->pad;
        header[1] = (unsigned char)(p->marker << 7 | lane->pt);
        put16(header + 2, out_seq);
        put32(header + 4, out_ts);
        if (lane->ext_length && ext_length == lane->ext_length) {
            memcpy(header + EXT_AT, ext, ext_length);
        }
        Remembered *slot = &lane->history[out_seq % HISTORY];
        memcpy(slot->header, header, header_length);
        slot->length = (unsigned char)header_length;
        Py_INCREF(p->object);
        Py_XSETREF(slot->payload, p->object);
        memcpy(header + header_length, p->payload, p->length);
        int length = size;
        if (lane->protect(lane->context, header, &length)) {
            PyErr_SetString(PyExc_RuntimeError, "SRTP protect failed");
            return -1;
        }
        end += length;
        ends[written++] = end;
        octets += p->length - (p->pad ? p->payload[p->length - 1] : 0); /* RFC 3550 */
        if (((out_seq - last_seq) & 0xFFFF) < 0x8000) {
            last_seq = out_seq;
            last_ts = out_ts;
            newest = (int)p->seq;
        }
    }
    if (written == 0) {
        return SENT;
    }
    if (send_frame(lane, ends, written) == BEHIND) {
        return BEHIND;
    }
    if (newest >= 0) {
        lane->last_seq = last_seq;
        lane->last_ts = last_ts;
        lane->last_ntp = ntp;
        if (((newest - lane->base) & 0xFFFF) > REBASE_AFTER) {
            lane->base = (newest - REBASE_AFTER / 2) & 0xFFFF;
        }
    }
    lane->packets += written;
    lane->octets += octets;
    return SENT;
}

/* A source's packet tuples: (seq, ts, marker, payload, key, pad). */
static int read_packets(PyObject *list, Packet *packets) {
    Py_ssize_t count = PyList_GET_SIZE(list);
    if (count > PACKETS_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many packets for one send");
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 6 ||
            !PyBytes_Check(PyTuple_GET_ITEM(item, 3))) {
            PyErr_SetString(PyExc_TypeError, "a packet is (seq, ts, marker, payload, key, pad)");
            return -1;
        }
        Packet *p = &packets[i];
        p->seq = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(item, 0)) & 0xFFFF;
        p->ts = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(item, 1)) & 0xFFFFFFFF;
        p->marker = PyObject_IsTrue(PyTuple_GET_ITEM(item, 2)) ? 1 : 0;
        p->pad = (int)PyLong_AsLong(PyTuple_GET_ITEM(item, 5)) & 0x20;
        p->object = PyTuple_GET_ITEM(item, 3);
        p->payload = (const unsigned char *)PyBytes_AS_STRING(p->object);
        p->length = PyBytes_GET_SIZE(p->object);
        if (PyErr_Occurred()) {
            return -1;
        }
        if (p->length == 0 || p->length > SCRATCH_SIZE) {
            PyErr_SetString(PyExc_ValueError, "a payload of 1 byte to 64 KiB");
            return -1;
        }
    }
    return (int)count;
}

static PyObject *fan_out(PyObject *module, PyObject *args) {
    PyObject *outlets, *list;
    const char *ext;
    Py_ssize_t ext_length;
    unsigned long long ntp;
    if (!PyArg_ParseTuple(args, "O!O!y#K", &PyList_Type, &outlets, &PyList_Type, &list, &ext,
                          &ext_length, &ntp)) {
        return NULL;
    }
    Packet packets[PACKETS_MAX];
    int count = read_packets(list, packets);
    if (count < 0) {
        return NULL;
    }
    PyObject *left = PyList_New(0), *behind = PyList_New(0);
    if (left == NULL || behind == NULL) {
        goto failed;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(outlets); i++) {
        PyObject *outlet = PyList_GET_ITEM(outlets, i);
        Lane *lane = (Lane *)outlet;
        if (!PyObject_TypeCheck(outlet, &LaneType) || lane->fd < 0 || lane->waiting) {
            if (PyList_Append(left, outlet) < 0) {
                goto failed;
            }
            continue;
        }
        int result = forward(lane, packets, count, ext, ext_length, ntp);
        if (result < 0 || (result == BEHIND && PyList_Append(behind, outlet) < 0)) {
            goto failed;
        }
    }
    return Py_BuildValue("(NN)", left, behind);
failed:
    Py_XDECREF(left);
    Py_XDECREF(behind);
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"fan_out", fan_out, METH_VARARGS,
     "fan_out(outlets, packets, ext, ntp) -> (left to Python, behind)"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "server.media._fanout",
    .m_doc = "The compiled fan-out of a source's packets to its outlets.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__fanout(void) {
    if (PyType_Ready(&LaneType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&LaneType);
    if (PyModule_AddObject(m, "Lane", (PyObject *)&LaneType) < 0) {
        Py_DECREF(&LaneType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
