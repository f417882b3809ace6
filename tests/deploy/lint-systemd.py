#!/usr/bin/env python3
"""lint-systemd.py RVI SOURCE_ROOT: checks deploy/systemd/rvi.service.

The hardening the unit must keep is asserted directive by directive, its
command line against `rvi serve --help`, and then systemd itself reads it:
`systemd-analyze verify` on a copy whose ExecStart runs the built RVI
(verify wants an existing binary), and `systemd-analyze security --offline`
for its exposure score. Exits 77 (skipped) when systemd-analyze is
missing and everything else held.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from lintlib import Lint

UNIT = ('deploy', 'systemd', 'rvi.service')
BINARY = '/usr/local/bin/rvi'
DATA_DIR = '/var/lib/rvi'
MAX_EXPOSURE = 2.0   # systemd-analyze security: 0 best, 10 worst; this unit scores 1.4

# directive -> the value it must have in [Service]
REQUIRED = {
    'User': 'rvi',
    'ExecStart': BINARY + ' serve --config /etc/rvi/rvi.conf',
    'ProtectSystem': 'strict',
    'StateDirectory': 'rvi',
    'NoNewPrivileges': 'yes',
    'PrivateTmp': 'yes',
    'ProtectHome': 'yes',
    'ProtectKernelTunables': 'yes',
    'ProtectKernelModules': 'yes',
    'ProtectKernelLogs': 'yes',
    'ProtectControlGroups': 'yes',
    'LockPersonality': 'yes',
    'CapabilityBoundingSet': '',
    'Restart': 'on-failure',
    'KillMode': 'mixed',   # rvi stops its private PostgreSQL itself, after its own work
}


def parse_unit(text):
    """{section: {directive: [values in order]}}; continuation lines joined."""
    sections, current = {}, None
    for line in re.sub(r'\\\n', ' ', text).splitlines():
        line = line.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('['):
            current = sections.setdefault(line.strip('[]'), {})
            continue
        key, _, value = line.partition('=')
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def seconds(value):
    m = re.fullmatch(r'(\d+)\s*(s|sec|min|m)?', value or '')
    if not m:
        return None
    return int(m.group(1)) * (60 if m.group(2) in ('min', 'm') else 1)


def check_directives(lint, service):
    def last(key):
        return service.get(key, [None])[-1]

    for key, want in REQUIRED.items():
        lint.check(last(key) == want, 'rvi.service: %s=%s (found %r)' % (key, want, last(key)))
    lint.check(DATA_DIR in ' '.join(service.get('ReadWritePaths', [])).split(),
               'rvi.service: ReadWritePaths=%s' % DATA_DIR)
    families = ' '.join(service.get('RestrictAddressFamilies', [])).split()
    for family in ('AF_UNIX', 'AF_INET', 'AF_INET6'):
        lint.check(family in families, 'rvi.service: RestrictAddressFamilies allows %s' % family)
    lint.check('@system-service' in service.get('SystemCallFilter', []),
               'rvi.service: SystemCallFilter=@system-service')
    lint.check(last('MemoryDenyWriteExecute') in (None, 'no'),
               'rvi.service: no MemoryDenyWriteExecute (ORC and PostgreSQL JIT need W+X)')
    lint.check(last('RestartSec') is not None, 'rvi.service: RestartSec set')
    stop = seconds(last('TimeoutStopSec'))
    lint.check(stop is not None and stop >= 60,
               'rvi.service: TimeoutStopSec of 60 s or more (segments, leases, PostgreSQL)')
    nofile = last('LimitNOFILE') or '0'
    lint.check(nofile.isdigit() and int(nofile) >= 4096, 'rvi.service: LimitNOFILE >= 4096')
    lint.check_command(last('ExecStart') or '', 'rvi.service ExecStart')


def check_sysusers(lint):
    text = lint.read('deploy', 'systemd', 'rvi.sysusers')
    lint.check(re.search(r'(?m)^u rvi - "[^"]*" %s\b' % DATA_DIR, text),
               'rvi.sysusers: user rvi with home %s' % DATA_DIR)


def systemd_analyze(lint, text):
    with tempfile.TemporaryDirectory() as tmp:
        unit = os.path.join(tmp, 'rvi.service')
        with open(unit, 'w', encoding='utf-8') as f:
            f.write(text.replace('ExecStart=' + BINARY, 'ExecStart=' + os.path.abspath(lint.rvi)))
        out = subprocess.run(['systemd-analyze', 'verify', '--recursive-errors=no', '--man=no', unit],
                             capture_output=True, text=True)
        # warnings about the host's other units are not ours
        report = '\n'.join(l for l in (out.stdout + out.stderr).splitlines() if 'rvi.service' in l)
        lint.check(out.returncode == 0 and not report,
                   'systemd-analyze verify rvi.service: clean (got status %d%s)'
                   % (out.returncode, ':\n' + report if report else ''))
        out = subprocess.run(['systemd-analyze', 'security', '--offline=yes', unit],
                             capture_output=True, text=True)
        m = re.search(r'Overall exposure level for rvi\.service: ([0-9.]+)', out.stdout)
        lint.check(m and float(m.group(1)) <= MAX_EXPOSURE,
                   'systemd-analyze security rvi.service: exposure at most %.1f (got %s)'
                   % (MAX_EXPOSURE, m.group(1) if m else (out.stdout + out.stderr).strip()[-300:]))


def main():
    lint = Lint(sys.argv[1], sys.argv[2])
    text = lint.read(*UNIT)
    service = parse_unit(text).get('Service', {})
    check_directives(lint, service)
    check_sysusers(lint)
    if lint.failures:
        lint.finish('lint-systemd')
    if not shutil.which('systemd-analyze'):
        print('lint-systemd: systemd-analyze is missing: skipped after %d checks' % lint.checks)
        sys.exit(77)
    systemd_analyze(lint, text)
    lint.finish('lint-systemd')


if __name__ == '__main__':
    main()
