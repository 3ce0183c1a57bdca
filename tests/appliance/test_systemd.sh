#!/bin/sh
# guest-init: systemd
# The box under systemd (runs inside the appliance guest with systemd as PID
# 1, as root; see tests/appliance/README.md): the image's own files from
# image-build/overlay (units, config, sysusers, udev rule, sysctl) and the
# fresh build/pamongd are installed, the units enabled and started as at
# boot: the render, the firewall, hostapd on wlan0, dnsmasq and pamongd
# (Type=notify: active only once it said READY=1) with its LEDs on gpio-sim
# lines named like the Pi's (GPIO17 …). Then: the sandbox is in force, the
# status line says what pamongd does, a phone (wlan1 in its own namespace)
# joins and leaves and health, the status line and the wifi LED follow; the
# radio is pulled out and a new one plugged in (hostapd follows by udev);
# the console saves a new hotspot name and password and
# pamong-hotspot-apply.path restarts hostapd with them at once;
# systemd-networkd brings a wired uplink up by DHCP and pamongd sees it; a
# hung pamongd (SIGSTOP) is killed by the watchdog and restarted; the button
# held 5 s stops it and powers the box off through pamong-poweroff.path.
# Usage (from the checkout): tests/appliance/guest/run.sh tests/appliance/test_systemd.sh
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
BOX_IP=10.42.0.1
T=$(mktemp -d /tmp/systemd.XXXXXX)
G=/sys/kernel/config/gpio-sim/pi
O=image-build/overlay
CHECK_LOGS="$T/journal.log"
. tests/appliance/lib.sh
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del phone 2>/dev/null
}
trap cleanup EXIT
if [ "$(cat /proc/1/comm)" != systemd ]; then
	echo "not ok 1 - systemd is PID 1 (the guest booted $(cat /proc/1/comm))"
	exit 1
fi
journal() { journalctl -b --no-pager -o short-monotonic "$@" >"$T/journal.log" 2>&1; }
prop() { systemctl show -P "$2" "$1"; }

# (a) the image's files and the fresh binary, as the image build puts them
install_box() {
	# the user and group first, as in the image (sysusers runs at build or
	# first boot, before udev reads 60-pamong-gpio.rules and its group)
	# (the image's fstab mounts the card's partitions by label: the guest
	# keeps its own, or systemd waits 90 s for a pamong-data disk)
	systemd-sysusers "$PWD/$O/etc/sysusers.d/pamong.conf" &&
		cp /etc/fstab "$T/fstab.guest" && cp -R "$O/etc/." /etc/ &&
		cp "$T/fstab.guest" /etc/fstab && mkdir -p /usr/lib/pamong &&
		cp "$O/usr/lib/pamong/"* /usr/lib/pamong/ &&
		install -m 0755 "$BUILD/pamongd" /usr/sbin/pamongd &&
		mkdir -p /usr/share/pamong /var/lib/pamong/incoming &&
		ln -sfn "$PWD/$BUILD/webroot" /usr/share/pamong/webroot &&
		cp content/area/wilayah.tsv.gz /usr/share/pamong/ &&
		cp "$BUILD/dev-signing.pub" /etc/pamong/trusted-keys &&
		cp "$BUILD"/packs/*.pack /var/lib/pamong/incoming/ &&
		id pamong && getent group gpio &&
		sysctl -q -p /etc/sysctl.d/60-pamong.conf &&
		udevadm control --reload
}
check "the overlay's files, pamongd and its user (systemd-sysusers) are installed" install_box

# LEDs on a simulated chip whose lines carry the Pi's names
make_chip() {
	# systemd's sys-kernel-config.mount can lose the race with configfs' module
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	modprobe gpio-sim
	mkdir "$G" "$G/bank0" && echo 4 >"$G/bank0/num_lines" && i=0 &&
		for name in GPIO17 GPIO27 GPIO22 GPIO23; do
			mkdir "$G/bank0/line$i" && echo "$name" >"$G/bank0/line$i/name" || return 1
			i=$((i + 1))
		done &&
		echo 1 >"$G/live" && udevadm settle &&
		ls -l /dev/gpiochip* && ls -l /dev/gpiochip* | grep -q ' root gpio ' || {
		getent group gpio
		udevadm info /dev/gpiochip0
		journalctl -b -u systemd-udevd --no-pager -o cat | tail -n 5
		false
	}
}
check "gpio-sim makes a chip with lines GPIO17, GPIO27, GPIO22, GPIO23 (group gpio by the udev rule)" make_chip
chip=$(cat "$G/bank0/chip_name" 2>/dev/null)
sim=/sys/devices/platform/$(cat "$G/dev_name" 2>/dev/null)/$chip
cat >>/etc/pamong/pamongd.conf <<EOF
[sync]
hub_url = http://192.168.77.1:8090
EOF

# mac80211_hwsim is loaded by systemd-modules-load (pamong-guest.conf): on a
# loaded machine its radios may still be on their way
radios() {
	i=0
	while [ $i -lt 120 ] && ! { [ -e /sys/class/net/wlan0 ] && [ -e /sys/class/net/wlan1 ]; }; do
		sleep 0.5
		i=$((i + 1))
	done
	ls /sys/class/net
	[ -e /sys/class/net/wlan0 ] && [ -e /sys/class/net/wlan1 ] || {
		lsmod | grep -i -e hwsim -e 80211
		journalctl -b --no-pager -o cat -u systemd-modules-load.service | tail -n 8
		false
	}
}
check "mac80211_hwsim's radios wlan0 and wlan1 are there" radios
# the phone's radio leaves the box's namespace before the units start
phy=$(cat /sys/class/net/wlan1/phy80211/name)
ip netns add phone
ip -n phone link set lo up
iw phy "$phy" set netns name phone

# (b) enable them as the image does, and start what that enabled (this job
# is itself part of multi-user.target, which therefore cannot be started
# again from here)
UNITS="pamong-net.service pamong-firewall.service pamong-hostapd@wlan0.service pamong-dnsmasq.service pamongd.service"
start_box() {
	systemctl daemon-reload &&
		systemctl enable pamongd.service pamong-net.service pamong-firewall.service \
			pamong-dnsmasq.service pamong-hostapd@.service pamong-poweroff.path \
			pamong-hotspot-apply.path &&
		for u in $UNITS; do
			# hostapd is pulled in by its radio's device, the rest by multi-user
			case $u in
			pamong-hostapd@*) w=sys-subsystem-net-devices-wlan0.device.wants ;;
			*) w=multi-user.target.wants ;;
			esac
			[ -e "/etc/systemd/system/$w/$u" ] || { echo "$u not enabled"; return 1; }
		done &&
		systemctl start $UNITS pamong-poweroff.path pamong-hotspot-apply.path
}
if start_box >"$T/start.log" 2>&1; then
	ok "systemctl enable (the image's choice) and start: $UNITS"
else
	journal
	not_ok "systemctl enable and start the image's units" "$T/start.log" "$T/journal.log"
fi
all_active() {
	for u in pamong-net pamong-firewall pamong-hostapd@wlan0 pamong-dnsmasq pamongd; do
		echo "$u: $(prop $u.service ActiveState) $(prop $u.service SubState)"
		[ "$(prop $u.service ActiveState)" = active ] || return 1
	done
}
units_up() {
	i=0
	while [ $i -lt 120 ]; do
		all_active >"$T/units.log" 2>&1 && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}
if units_up; then
	ok "pamong-net, pamong-firewall, pamong-hostapd@wlan0, pamong-dnsmasq and pamongd are active"
else
	journal
	not_ok "every unit of the box is active" "$T/units.log" "$T/journal.log"
fi
ready() {
	journalctl -b -u pamongd --no-pager -o cat | grep -E 'serving on|watchdog' &&
		[ "$(prop pamongd.service Type)" = notify ] &&
		prop pamongd.service StatusText | grep -q '^serving'
}
check "pamongd is Type=notify and active after READY=1; 'systemctl status' says: $(prop pamongd.service StatusText)" ready
ap_enabled() { journalctl -b -u pamong-hostapd@wlan0 --no-pager -o cat | grep -q 'AP-ENABLED'; }
i=0
while ! ap_enabled && [ $i -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
check "hostapd on wlan0 from the rendered hostapd-wlan0.conf: AP-ENABLED" ap_enabled

# (c) the sandbox and what the render left for pamongd
PID=$(prop pamongd.service MainPID)
sandbox() {
	grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/"$PID"/status
	[ "$(stat -c %U /proc/"$PID")" = pamong ] &&
		grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/"$PID"/status &&
		grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/"$PID"/status &&
		grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/"$PID"/status &&
		grep -q '^Seccomp:[[:space:]]*2$' /proc/"$PID"/status
}
check "pamongd runs as pamong with no capabilities, no new privileges, a seccomp filter" sandbox
readonly_fs() {
	nsenter -t "$PID" -m sh -c 'touch /etc/x 2>&1; touch /var/lib/pamong/.w && rm /var/lib/pamong/.w' |
		tee /dev/stderr | grep -q 'Read-only file system'
}
check "in pamongd's namespace /etc is read-only and the data dir writable" readonly_fs
owned() {
	ls -ln /var/lib/pamong/hotspot-passphrase
	[ "$(stat -c %U:%a /var/lib/pamong/hotspot-passphrase)" = pamong:600 ]
}
check "the passphrase made by the render (as root) is pamong's, 0600" owned
listening() {
	ss -ltnH | awk '{print $4}' | grep ':8080$' | sort | tee /dev/stderr | tr '\n' ' ' |
		grep -qx "10.42.0.1:8080 127.0.0.1:8080 "
}
check "pamongd listens on the hotspot address and loopback only (listen = hotspot,127.0.0.1)" listening
security() {
	systemd-analyze security pamongd.service | tail -n 1 | tee "$T/security.log"
	grep -Eq 'exposure level for pamongd.service: (0|1)\.' "$T/security.log"
}
check "systemd-analyze security pamongd.service (live): $(systemd-analyze security pamongd.service 2>/dev/null | tail -n 1 | sed 's/.*: //')" security

# (d) a phone joins: health, the status line and the wifi LED follow
PSK=$(cat /var/lib/pamong/hotspot-passphrase)
SSID=$(sed -n 's/^ssid=//p' /run/pamong-net/hostapd-wlan0.conf)
cat >"$T/wpa.conf" <<EOF
ctrl_interface=/run/wpa_phone
network={
	ssid="$SSID"
	key_mgmt=WPA-PSK
	psk="$PSK"
}
EOF
bg "$T/wpa.log" ip netns exec phone wpa_supplicant -D nl80211 -i wlan1 -c "$T/wpa.conf"
if wait_for 30 "$T/wpa.log" 'CTRL-EVENT-CONNECTED'; then
	ok "the phone joins the hotspot (WPA2, the made passphrase)"
else
	not_ok "the phone joins the hotspot" "$T/wpa.log"
fi
health() { # python expression over the health JSON h, must be true
	python3 -c 'import json, sys, urllib.request
h = json.load(urllib.request.urlopen("http://127.0.0.1:8080/api/v1/health", timeout=5))
print(json.dumps({k: h[k] for k in ("wifi", "leds", "sync")}))
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}
wait_health() { # seconds, expression
	i=0
	while [ $i -lt $(($1 * 2)) ]; do
		health "$2" >"$T/health.log" 2>&1 && return 0
		sleep 0.5
		i=$((i + 1))
	done
	cat "$T/health.log"
	return 1
}
check "health: wifi up, 1 phone on wlan0 (mac80211_hwsim, capacity 30), wifi LED fast blink" \
	wait_health 20 'h["wifi"]["phones"] == 1 and h["wifi"]["radios"][0]["interface"] == "wlan0" and h["wifi"]["radios"][0]["driver"] == "mac80211_hwsim" and h["wifi"]["radios"][0]["capacity"] == 30 and h["leds"]["wifi"] == "fast_blink"'
samples() { # line number: 30 samples 50 ms apart
	i=0
	s=
	while [ $i -lt 30 ]; do
		s="$s$(cat "$sim/sim_gpio$1/value")"
		sleep 0.05
		i=$((i + 1))
	done
	echo "$s"
}
blinks() { s=$(samples 1); echo "GPIO27 (wifi): $s"; case $s in *0*1*0* | *1*0*1*) true ;; *) false ;; esac; }
check "the wifi LED line (GPIO27) toggles while a phone is connected" blinks
status_says() {
	i=0
	while [ $i -lt 10 ]; do
		prop pamongd.service StatusText | tee "$T/status.log" | grep -q "$1" && return 0
		sleep 0.5
		i=$((i + 1))
	done
	cat "$T/status.log"
	return 1
}
check "systemctl status says: $(sleep 1.5; prop pamongd.service StatusText)" status_says '1 phone of 30'
lease() {
	ip netns exec phone busybox udhcpc -i wlan1 -q -n -t 10 -T 2 -s /bin/true 2>&1 |
		tee /dev/stderr | grep -q 'lease of 10\.42\.0\.'
}
check "pamong-dnsmasq leases the phone an address" lease

# the phone leaves
ip netns exec phone wpa_cli -p /run/wpa_phone -i wlan1 disconnect >/dev/null
check "the phone leaves: 0 phones, the wifi LED steady" \
	wait_health 20 'h["wifi"]["phones"] == 0 and h["wifi"]["state"] == "up" and h["leds"]["wifi"] == "steady"'
steady() { s=$(samples 1); echo "GPIO27 (wifi): $s"; [ "$s" = 111111111111111111111111111111 ]; }
check "the wifi LED line (GPIO27) is steady on with no phones" steady

# (d2) a radio pulled out and plugged in again while the box runs
. tests/appliance/systemd_hotplug.sh

# (d3) the console saves a new hotspot name and password: pamongd writes the
# config file (through the image's link to the data partition) and
# [hotspot] apply_file; pamong-hotspot-apply.path renders again and restarts
# hostapd at once; the phone joins with the new name and password
mv /etc/pamong/pamongd.conf /var/lib/pamong/pamongd.conf
chown pamong:pamong /var/lib/pamong/pamongd.conf
ln -s /var/lib/pamong/pamongd.conf /etc/pamong/pamongd.conf
console_settings() { # JSON body: the first facilitator made with the setup code, then PUT settings
	python3 - "$1" <<'PY'
import http.cookiejar, json, sys, urllib.request
jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def req(method, path, body, csrf=None):
    h = {"Content-Type": "application/json"}
    if csrf:
        h["X-CSRF-Token"] = csrf
    r = urllib.request.Request("http://127.0.0.1:8080/api/v1/console/" + path, json.dumps(body).encode(), h, method=method)
    with jar.open(r, timeout=30) as f:
        return json.load(f)
code = open("/var/lib/pamong/console-setup-code").read().strip()
me = req("POST", "setup", {"code": code, "username": "fasilitator", "password": "kata-sandi-konsol"})
out = req("PUT", "settings", json.loads(sys.argv[1]), me["csrf"])
print(out)
sys.exit(0 if out.get("hotspot") == "applied" and out.get("restart_needed") is False else 1)
PY
}
ap_count() { journalctl -b --no-pager -o cat -u pamong-hostapd@wlan0.service | grep -c 'AP-ENABLED'; }
APS=$(ap_count)
check "the console saves a new hotspot name and password: applied at once, no restart needed" \
	console_settings '{"hotspot_ssid": "Pamong Baru", "hotspot_passphrase": "sandi-hotspot-baru"}'
applied() {
	i=0
	while [ $i -lt 60 ]; do
		iw dev wlan0 info | grep -q 'ssid Pamong Baru' && [ "$(ap_count)" -gt "$APS" ] && break
		sleep 0.5
		i=$((i + 1))
	done
	ls -l /etc/pamong/pamongd.conf
	grep -E '^(ssid|passphrase) = ' /var/lib/pamong/pamongd.conf
	iw dev wlan0 info | grep ssid
	systemctl status --no-pager pamong-hotspot-apply.service | tail -n 5
	[ -L /etc/pamong/pamongd.conf ] && grep -qx 'ssid = Pamong Baru' /var/lib/pamong/pamongd.conf &&
		iw dev wlan0 info | grep -q 'ssid Pamong Baru' && [ "$(ap_count)" -gt "$APS" ] &&
		[ ! -e /run/pamong/hotspot-apply ] &&
		[ "$(prop pamong-hotspot-apply.service Result)" = success ]
}
check "pamong-hotspot-apply renders again and restarts hostapd: wlan0 sends 'Pamong Baru' (the config file still behind its link)" applied
ip netns exec phone wpa_cli -p /run/wpa_phone -i wlan1 terminate >/dev/null 2>&1
printf 'ctrl_interface=/run/wpa_phone\nnetwork={\n\tssid="Pamong Baru"\n\tkey_mgmt=WPA-PSK\n\tpsk="sandi-hotspot-baru"\n}\n' >"$T/wpa2.conf"
sleep 1
bg "$T/wpa2.log" ip netns exec phone wpa_supplicant -D nl80211 -i wlan1 -c "$T/wpa2.conf"
if wait_for 30 "$T/wpa2.log" 'CTRL-EVENT-CONNECTED'; then
	ok "the phone joins 'Pamong Baru' with the new password"
else
	not_ok "the phone joins 'Pamong Baru' with the new password" "$T/wpa2.log"
fi
ip netns exec phone wpa_cli -p /run/wpa_phone -i wlan1 disconnect >/dev/null
check "and leaves it" wait_health 20 'h["wifi"]["phones"] == 0'

# (e) an uplink: systemd-networkd with the overlay's .network file brings up
# a wired link (a veth "eth0" with a DHCP server on its other side) by
# itself; pamongd sees the default route; the hotspot stays unmanaged
ip netns add isp
ip link add eth0 type veth peer name isp0 netns isp
ip -n isp addr add 192.168.77.1/24 dev isp0
ip -n isp link set isp0 up
bg "$T/isp-dnsmasq.log" ip netns exec isp dnsmasq --keep-in-foreground --log-facility=- \
	--user=root --port=0 --interface=isp0 --bind-interfaces --pid-file= \
	--dhcp-range=192.168.77.50,192.168.77.99,1h --dhcp-option=option:router,192.168.77.1 \
	--dhcp-leasefile="$T/isp.leases"
systemctl start systemd-networkd.service
uplink_up() {
	i=0
	while [ $i -lt 60 ]; do
		ip route show default | grep -q 'via 192.168.77.1 dev eth0' && break
		sleep 0.5
		i=$((i + 1))
	done
	ip -4 addr show eth0
	ip route show default
	ip route show default | grep -q 'via 192.168.77.1 dev eth0'
}
check "systemd-networkd (30-pamong-uplink.network) brings eth0 up by DHCP with a default route" uplink_up
unmanaged() { # networkd's own record of each link (networkctl needs D-Bus, absent here)
	for l in wlan0 eth0; do
		echo "$l: $(grep ADMIN_STATE "/run/systemd/netif/links/$(cat /sys/class/net/$l/ifindex)")"
	done
	grep -q '^ADMIN_STATE=unmanaged' "/run/systemd/netif/links/$(cat /sys/class/net/wlan0/ifindex)" &&
		grep -q '^ADMIN_STATE=configured' "/run/systemd/netif/links/$(cat /sys/class/net/eth0/ifindex)"
}
check "networkd leaves the hotspot's wlan0 alone (unmanaged)" unmanaged
check "pamongd sees the uplink: health sync.link true on eth0" \
	wait_health 20 'h["sync"]["link"] is True and h["sync"]["uplink"] == "eth0"'

# (f) the watchdog: a stopped pamongd is killed and started again (WatchdogSec
# lowered for the test by a drop-in)
mkdir -p /etc/systemd/system/pamongd.service.d
printf '[Service]\nWatchdogSec=4\n' >/etc/systemd/system/pamongd.service.d/test.conf
systemctl daemon-reload
systemctl restart pamongd.service
OLD=$(prop pamongd.service MainPID)
kill -STOP "$OLD"
restarted() {
	i=0
	while [ $i -lt 90 ]; do
		new=$(prop pamongd.service MainPID)
		if [ "$new" != "$OLD" ] && [ "$new" != 0 ] && [ "$(prop pamongd.service ActiveState)" = active ]; then
			echo "pid $OLD -> $new, restarts: $(prop pamongd.service NRestarts)"
			journalctl -b -u pamongd --no-pager -o cat | grep -i 'watchdog timeout'
			return $?
		fi
		sleep 0.5
		i=$((i + 1))
	done
	journalctl -b -u pamongd --no-pager -o cat | tail -n 15
	return 1
}
check "pamongd stopped with SIGSTOP: the watchdog kills it and systemd starts it again" restarted
check "after the restart it serves again" wait_health 20 'h["wifi"]["state"] == "up"'

# (g) the button (GPIO23, active low) held 5 s: pamongd stops cleanly, is not
# restarted, and asks pamong-poweroff.path for the power-off (its service
# only leaves a mark here instead of powering the guest off)
mkdir -p /etc/systemd/system/pamong-poweroff.service.d
printf '[Service]\nExecStart=\nExecStart=/bin/touch /tmp/poweroff-asked\n' \
	>/etc/systemd/system/pamong-poweroff.service.d/test.conf
systemctl daemon-reload
echo pull-down >"$sim/sim_gpio3/pull"
powered_off() {
	i=0
	while [ $i -lt 60 ]; do
		[ -e /tmp/poweroff-asked ] && [ "$(prop pamongd.service ActiveState)" = inactive ] && break
		sleep 0.5
		i=$((i + 1))
	done
	echo "pamongd: $(prop pamongd.service ActiveState) $(prop pamongd.service Result), restarts $(prop pamongd.service NRestarts)"
	journalctl -b -u pamongd --no-pager -o cat | grep -E 'shutdown by button|stopped|shutdown command'
	[ -e /tmp/poweroff-asked ] && [ "$(prop pamongd.service ActiveState)" = inactive ] &&
		[ "$(prop pamongd.service Result)" = success ] &&
		journalctl -b -u pamongd --no-pager -o cat | grep -q 'shutdown by button'
}
check "the button held 5 s: pamongd stops cleanly (not restarted), pamong-poweroff.path powers off" powered_off
echo pull-up >"$sim/sim_gpio3/pull"

echo "1..$n"
[ "$failed" -eq 0 ]
