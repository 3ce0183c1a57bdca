#!/bin/sh
# Stage 50 (in the arm64 root, under qemu-user): the service user, the
# units, what a read-only root needs, and nothing to log in with.
set -eu
# Users and groups of the overlay's sysusers.d (pamong, gpio) made now: the
# root is read-only on the box.
systemd-sysusers
id pamong >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/pamong \
	--no-create-home --shell /usr/sbin/nologin pamong
# Every unit of the overlay with an [Install] section, and the uplink's
# network, names and clock.
for u in /etc/systemd/system/*.service /etc/systemd/system/*.timer /etc/systemd/system/*.path; do
	[ -f "$u" ] && ! [ -L "$u" ] && grep -q '^\[Install\]' "$u" && systemctl enable "${u##*/}"
done
# Interface names from the kernel command line (ifname=NAME:MAC; nothing
# without it): the boot test names QEMU's network card wlan0 with it.
for u in systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
	systemd-network-generator.service; do
	systemctl is-enabled -q "$u" 2>/dev/null || systemctl enable "$u"
done
# Timers that would write to the read-only root or update it (the box is
# updated by writing a new image).
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service; do
	systemctl disable "$u" 2>/dev/null || true
	systemctl mask "$u"
done
# Debian's own hotspot units stay off unless the overlay enables them
# with the rendered configuration.
[ -e /etc/systemd/system/multi-user.target.wants/hostapd.service ] &&
	! [ -f /etc/systemd/system/hostapd.service ] && ! [ -d /etc/systemd/system/hostapd.service.d ] &&
	systemctl disable hostapd.service
ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
# No password on any account: every account stays locked.
passwd -l root >/dev/null
# No identity baked in: machine-id is made at boot (kept in RAM).
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*
