"""Simulated radios plugged in and pulled out at run time (runs inside the
appliance guest, as root): mac80211_hwsim's generic netlink family
MAC80211_HWSIM, HWSIM_CMD_NEW_RADIO and HWSIM_CMD_DEL_RADIO (the kernel's
drivers/net/wireless/mac80211_hwsim.h), with the standard library only.

    python3 hwsim.py new          # a radio appears (its wlanN as a hot-plugged USB one would)
    python3 hwsim.py del PHYNAME  # the radio named PHYNAME (phy0 …) goes"""

import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
HWSIM_CMD_NEW_RADIO, HWSIM_CMD_DEL_RADIO = 4, 5
HWSIM_ATTR_RADIO_NAME = 17


def attr(kind, data):
    a = struct.pack("HH", 4 + len(data), kind) + data
    return a + b"\0" * (-len(a) % 4)


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        n, kind = struct.unpack("HH", buf[:4])
        if n < 4:
            break
        out[kind & 0x3fff] = buf[4:n]
        buf = buf[(n + 3) & ~3:]
    return out


def request(sock, family, cmd, payload, seq):
    body = struct.pack("BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("IHHII", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK, seq,
                          os.getpid()) + body)
    reply = None
    while True:
        data = sock.recv(65536)
        while data:
            n, kind, _, rseq, _ = struct.unpack("IHHII", data[:16])
            msg, data = data[16:n], data[(n + 3) & ~3:]
            if rseq != seq:
                continue
            if kind == NLMSG_ERROR:
                err = struct.unpack("i", msg[:4])[0]
                if err < 0:
                    raise OSError(-err, os.strerror(-err))
                return reply
            reply = attrs(msg[4:])


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    fam = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                  attr(CTRL_ATTR_FAMILY_NAME, b"MAC80211_HWSIM\0"), 1)
    family = struct.unpack("H", fam[CTRL_ATTR_FAMILY_ID][:2])[0]
    if sys.argv[1:2] == ["new"]:
        request(sock, family, HWSIM_CMD_NEW_RADIO, b"", 2)
    elif sys.argv[1:2] == ["del"] and len(sys.argv) == 3:
        request(sock, family, HWSIM_CMD_DEL_RADIO,
                attr(HWSIM_ATTR_RADIO_NAME, sys.argv[2].encode() + b"\0"), 2)
    else:
        sys.exit("usage: hwsim.py new | del PHYNAME")


main()
