# SPDX-License-Identifier: GPL-2.0
# Shared by the audit userspace tests (sourced).
#
# TAP output: ok, not_ok, and check NAME EXPR (ok when EXPR, evaluated,
# succeeds). $n counts tests, $fails failures.
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# The auditd.conf lines every test daemon shares: logs written, rotated at
# 64 MB, and no disk-space action that could suspend or stop it mid-test.
# The caller adds local_events, log_file, log_format, name_format and
# plugin_dir.
auditd_conf_base() {
	cat <<EOC
write_logs = yes
flush = INCREMENTAL_ASYNC
freq = 20
num_logs = 2
max_log_file = 64
max_log_file_action = ROTATE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
EOC
}
