"""lintlib.py: what the deployment lints share.

A Lint collects failures instead of stopping at the first, so one run
names every problem. The rvi binary is the authority on its own flags
(`rvi COMMAND --help`), deploy/rvi.conf.example on the config keys.
"""
import os
import re
import shlex
import subprocess
import sys


class Lint:
    def __init__(self, rvi, top):
        self.rvi = rvi
        self.top = top
        self.failures = []
        self.checks = 0
        self._flags = {}
        self._keys = None

    def path(self, *parts):
        return os.path.join(self.top, *parts)

    def read(self, *parts):
        with open(self.path(*parts), encoding='utf-8') as f:
            return f.read()

    def check(self, ok, what):
        """Records one check; @what says what should hold."""
        self.checks += 1
        if not ok:
            self.failures.append(what)
            print('FAIL: ' + what)
        return bool(ok)

    def finish(self, name):
        """Prints the summary and exits 0 when every check held, else 1."""
        if self.failures:
            print('%s: %d of %d checks failed' % (name, len(self.failures), self.checks))
            sys.exit(1)
        print('%s: %d checks passed' % (name, self.checks))
        sys.exit(0)

    # --- rvi command lines ---------------------------------------------------

    def flags_of(self, command):
        """The long flags `rvi COMMAND --help` lists (None: unknown command)."""
        if command not in self._flags:
            out = subprocess.run([self.rvi, command, '--help'], capture_output=True, text=True)
            text = out.stdout + out.stderr
            if out.returncode != 0 or 'Usage:' not in text:
                self._flags[command] = None
            else:
                self._flags[command] = set(re.findall(r'--([a-z][a-z0-9-]*)', text))
        return self._flags[command]

    def check_command(self, argv, where):
        """Checks an argument vector holding an rvi command line: the
        command exists and every --flag is one it lists. Returns the flags
        given as {name: value} (None when argv holds no rvi command)."""
        if isinstance(argv, str):
            argv = shlex.split(argv)
        at = [i for i, a in enumerate(argv) if os.path.basename(a) == 'rvi']
        if not at or at[0] + 1 >= len(argv):
            return None
        command = argv[at[0] + 1]
        known = self.flags_of(command)
        if not self.check(known is not None, '%s: `rvi %s` is not an rvi command' % (where, command)):
            return {}
        given = {}
        rest = argv[at[0] + 2:]
        for i, arg in enumerate(rest):
            if not arg.startswith('--'):
                continue
            name, eq, value = arg[2:].partition('=')
            if not eq:
                value = rest[i + 1] if i + 1 < len(rest) else ''
            given[name] = value
            self.check(name in known, '%s: `rvi %s` has no flag --%s (see rvi %s --help)'
                       % (where, command, name, command))
        return given

    # --- config files ----------------------------------------------------------

    def known_keys(self):
        """The keys deploy/rvi.conf.example shows (set or commented out)."""
        if self._keys is None:
            text = self.read('deploy', 'rvi.conf.example')
            self._keys = set(re.findall(r'(?m)^#?([a-z][a-z0-9_]*)=', text))
        return self._keys

    def check_conf(self, text, where):
        """Checks a GLib key file for rvi: one [rvi] group, known keys.
        Returns its settings as a dict."""
        settings = {}
        group = None
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('['):
                group = line
                self.check(group == '[rvi]', '%s: group %s is not [rvi]' % (where, group))
                continue
            key, eq, value = line.partition('=')
            key = key.strip()
            if not self.check(eq and group == '[rvi]', '%s: "%s" is not a key in [rvi]' % (where, line)):
                continue
            self.check(key in self.known_keys(),
                       '%s: key %s is not in deploy/rvi.conf.example' % (where, key))
            self.check(key not in settings, '%s: key %s is set twice' % (where, key))
            settings[key] = value.strip()
        return settings

    def check_conf_keys(self, keys, where):
        for key in keys:
            self.check(key in self.known_keys(),
                       '%s: key %s is not in deploy/rvi.conf.example' % (where, key))


def port_of(address):
    """The port of HOST:PORT or of a URL (None when there is none)."""
    m = re.search(r':(\d+)(/|$)', address or '')
    return int(m.group(1)) if m else None


def host_of(url):
    m = re.match(r'^[a-z]+://(?:[^@/]*@)?([^:/?]+)', url or '')
    return m.group(1) if m else None
