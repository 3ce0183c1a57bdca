# A radio pulled out and plugged in while the box runs (sourced by
# test_systemd.sh after the phone left; uses its helpers): mac80211_hwsim
# deletes wlan0's radio and makes a new one at run time (generic netlink,
# tests/appliance/hwsim.py), as a USB adapter unplugged and plugged in again.
# The hostapd bound to the radio stops with it; the new radio's interface
# (udev: 90-pamong-radio.rules) starts pamong-radio@wlan0, which renders
# again and starts hostapd on it, with no restart of pamong-net; pamongd
# counts the radio again and the phone joins it.
HW="python3 tests/appliance/hwsim.py"
unplugged() {
	phy0=$(cat /sys/class/net/wlan0/phy80211/name) && $HW del "$phy0" || return 1
	i=0
	while [ $i -lt 60 ]; do
		[ ! -e /sys/class/net/wlan0 ] &&
			[ "$(prop pamong-hostapd@wlan0.service ActiveState)" != active ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	systemctl status --no-pager pamong-hostapd@wlan0.service
	return 1
}
check "wlan0's radio pulled out: its hostapd stops with it" unplugged
check "health: the hotspot is down with no radio" \
	wait_health 20 'h["wifi"]["state"] != "up"'
net_started=$(prop pamong-net.service ExecMainStartTimestampMonotonic)
plugged() {
	$HW new || return 1
	i=0
	while [ $i -lt 120 ]; do
		[ -e /sys/class/net/wlan0 ] &&
			[ "$(prop pamong-hostapd@wlan0.service ActiveState)" = active ] &&
			journalctl -b --no-pager -o cat -u pamong-hostapd@wlan0.service |
			grep -c 'AP-ENABLED' | grep -qv '^[01]$' && return 0
		sleep 0.5
		i=$((i + 1))
	done
	ls /sys/class/net
	systemctl status --no-pager pamong-radio@wlan0.service pamong-hostapd@wlan0.service
	return 1
}
check "a new radio plugged in: pamong-radio@wlan0 renders and starts hostapd on it (AP-ENABLED again)" plugged
check "pamong-radio@wlan0 ran from udev's add event, pamong-net was not restarted" sh -c "
	journalctl -b --no-pager -o cat -u pamong-radio@wlan0.service | tail -n 5
	[ \"\$(systemctl show -P Result pamong-radio@wlan0.service)\" = success ] &&
	[ \"\$(systemctl show -P ExecMainStartTimestampMonotonic pamong-net.service)\" = '$net_started' ]"
check "health: the hotspot is up again on wlan0" \
	wait_health 30 'h["wifi"]["state"] == "up" and h["wifi"]["radios"][0]["interface"] == "wlan0"'
rejoin() {
	ip netns exec phone wpa_cli -p /run/wpa_phone -i wlan1 reconnect >/dev/null &&
		wait_health 30 'h["wifi"]["phones"] == 1'
}
check "the phone joins the new radio's hotspot" rejoin
ip netns exec phone wpa_cli -p /run/wpa_phone -i wlan1 disconnect >/dev/null
check "and leaves it" wait_health 20 'h["wifi"]["phones"] == 0'
