#!/usr/bin/env python3
"""lint-containers.py RVI SOURCE_ROOT: checks deploy/docker and deploy/k8s.

Neither Docker nor a cluster runs on the build machine, so the files are
read, not run: the Dockerfile's stages and settings, compose.yaml and
every manifest of deploy/k8s parsed as YAML and their structure checked
(services, node names, ports, probes, security settings), every rvi
command line against `rvi COMMAND --help`, every config key against
deploy/rvi.conf.example, and the rvi command lines of docs/deployment.md.
"""
import glob
import json
import os
import re
import shlex
import sys

import yaml

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from lintlib import Lint, host_of, port_of

CONF_PATH = '/etc/rvi/rvi.conf'


def dockerfile_instructions(text):
    """[(INSTRUCTION, arguments)], continuation lines joined."""
    text = re.sub(r'\\\n(\s*#.*\n)*', ' ', text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            word, _, rest = line.partition(' ')
            out.append((word.upper(), rest.strip()))
    return out


def alternatives(regex):
    """The alternatives a regex of names offers, groups multiplied out:
    'a-(b|c)|d' gives ['a-b', 'a-c', 'd']."""
    depth, group = 0, None
    for i, c in enumerate(regex):
        if c == '(':
            depth += 1
            group = i if depth == 1 and group is None else group
        elif c == ')':
            depth -= 1
        elif c == '|' and depth == 0:
            return alternatives(regex[:i]) + alternatives(regex[i + 1:])
    if group is None:
        return [regex]
    end, depth = group, 0
    for end in range(group, len(regex)):
        depth += {'(': 1, ')': -1}.get(regex[end], 0)
        if depth == 0:
            break
    head, inner, tail = regex[:group], regex[group + 1:end], regex[end + 1:]
    return [x for part in alternatives(inner) for x in alternatives(head + part + tail)]


def load_yaml(lint, path, where):
    """All documents of a YAML file ([] when it does not parse)."""
    try:
        with open(path, encoding='utf-8') as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        lint.check(False, '%s: not YAML: %s' % (where, e))
        return []


def check_dockerfile(lint):
    """Returns the image's settings: its config, uid and exposed port."""
    text = lint.read('deploy', 'docker', 'Dockerfile')
    steps = dockerfile_instructions(text)

    def args(word):
        return [a for w, a in steps if w == word]

    froms = args('FROM')
    lint.check(len(froms) >= 2, 'Dockerfile: multi-stage (build and runtime)')
    for f in froms:
        image = f.split()[0]
        lint.check(re.fullmatch(r'debian:(12|bookworm)(-slim)?(@sha256:[0-9a-f]+)?', image),
                   'Dockerfile: FROM %s is not debian:12 / bookworm' % image)
    lint.check('deploy/debian-packages.txt' in text, 'Dockerfile: installs from deploy/debian-packages.txt')
    packages = [l.strip() for l in lint.read('deploy', 'debian-packages.txt').splitlines()
                if l.strip() and not l.startswith('#')]
    for m in re.finditer(r"grep -Ex '([^']+)'", text):
        for alt in alternatives(m.group(1)):
            lint.check(any(re.fullmatch(alt, p) for p in packages),
                       'Dockerfile: runtime package %s is in deploy/debian-packages.txt' % alt)

    conf = lint.check_conf(lint.read('deploy', 'docker', 'rvi.conf'), 'deploy/docker/rvi.conf')
    lint.check('deploy/docker/rvi.conf' in text and CONF_PATH in text,
               'Dockerfile: installs deploy/docker/rvi.conf as %s' % CONF_PATH)
    web_dir = conf.get('web_dir', '')
    lint.check(web_dir and re.search(r'cp -r web \S*%s\b' % re.escape(web_dir), text),
               'Dockerfile: copies web/ to web_dir (%s)' % web_dir)
    users = args('USER')
    uid = users[-1].split(':')[0] if users else ''
    lint.check(uid.isdigit() and int(uid) != 0, 'Dockerfile: USER is a numeric uid other than 0')
    lint.check(conf.get('data_dir') in args('VOLUME'),
               'Dockerfile: VOLUME %s (data_dir)' % conf.get('data_dir'))
    port = port_of(conf.get('listen'))
    lint.check(args('EXPOSE') == [str(port)], 'Dockerfile: EXPOSE %s (listen)' % port)
    health = ' '.join(args('HEALTHCHECK'))
    lint.check('/healthz' in health and ':%s/' % port in health,
               'Dockerfile: HEALTHCHECK on :%s/healthz' % port)
    entry = json.loads(args('ENTRYPOINT')[-1]) if args('ENTRYPOINT') else []
    lint.check(entry[:2] == ['rvi', 'serve'], 'Dockerfile: ENTRYPOINT ["rvi", "serve", ...]')
    flags = lint.check_command(entry, 'Dockerfile ENTRYPOINT') or {}
    lint.check(flags.get('config') == CONF_PATH, 'Dockerfile: ENTRYPOINT reads %s' % CONF_PATH)
    return {'conf': conf, 'uid': int(uid) if uid.isdigit() else None, 'port': port}


def interpolate(text):
    """Compose's ${VAR:-default} and ${VAR-default}, with the default."""
    return re.sub(r'\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}', r'\1', text)


def argv(service, key):
    value = service.get(key) or []
    return shlex.split(value) if isinstance(value, str) else value


def volume_at(service, path):
    for v in service.get('volumes', []):
        if isinstance(v, str):
            source, _, target = v.partition(':')
        else:
            source, target = v.get('source'), v.get('target', '')
        if target.split(':')[0] == path:
            return source
    return None


def check_compose(lint, image):
    docs = load_yaml(lint, lint.path('deploy', 'docker', 'compose.yaml'), 'compose.yaml')
    if not lint.check(docs and isinstance(docs[0], dict), 'compose.yaml: one mapping'):
        return
    doc = docs[0]
    services = doc.get('services', {})
    configs = doc.get('configs', {})
    named_volumes = set(doc.get('volumes') or {})
    for name, s in services.items():
        lint.check('healthcheck' in s, 'compose: service %s has a healthcheck' % name)
        for key in ('entrypoint', 'command'):
            lint.check_command(argv(s, key), 'compose %s %s' % (name, key))

    pg = [n for n, s in services.items() if str(s.get('image', '')).startswith('postgres:')]
    lint.check(len(pg) == 1, 'compose: one postgres service')
    pg = pg[0] if pg else 'postgres'
    lint.check(re.fullmatch(r'postgres:15[.\d]*-bookworm', services.get(pg, {}).get('image', '')),
               'compose: postgres image postgres:15-bookworm')
    camsim = [n for n, s in services.items() if 'camsim' in argv(s, 'entrypoint') + argv(s, 'command')]
    lint.check(len(camsim) == 1, 'compose: one camsim service')

    nodes = {n: s for n, s in services.items()
             if n not in camsim and n != pg and 'Dockerfile' in str(s.get('build', ''))}
    lint.check(len(nodes) >= 2, 'compose: at least two rvi nodes (found %s)' % sorted(nodes))
    names, data_volumes, key_volumes = [], [], set()
    for name, s in nodes.items():
        where = 'compose %s' % name
        mounted = [c.get('source') for c in s.get('configs', [])
                   if isinstance(c, dict) and c.get('target') == CONF_PATH]
        if not lint.check(mounted and mounted[0] in configs,
                          '%s: a config mounted at %s' % (where, CONF_PATH)):
            continue
        conf = lint.check_conf(interpolate(configs[mounted[0]].get('content', '')), where + ' config')
        port = port_of(conf.get('listen'))
        names.append(conf.get('node'))
        lint.check(re.fullmatch(r'[A-Za-z0-9._-]{1,63}', conf.get('node', '')),
                   '%s: sets a valid node name' % where)
        lint.check(host_of(conf.get('database_url')) == pg,
                   '%s: database_url points at service %s' % (where, pg))
        lint.check(host_of(conf.get('advertise_url')) == name and port_of(conf.get('advertise_url')) == port,
                   '%s: advertise_url is http://%s:%s/' % (where, name, port))
        lint.check(conf.get('web_dir') == image['conf'].get('web_dir'),
                   '%s: web_dir as in the image' % where)
        lint.check(any(str(p).endswith(':%s' % port) for p in s.get('ports', [])),
                   '%s: publishes container port %s' % (where, port))
        lint.check(':%s/' % port in ' '.join(s.get('healthcheck', {}).get('test', [])),
                   '%s: healthcheck on port %s' % (where, port))
        dep = s.get('depends_on', {})
        lint.check(isinstance(dep, dict) and dep.get(pg, {}).get('condition') == 'service_healthy',
                   '%s: depends on %s being healthy' % (where, pg))
        data = volume_at(s, conf.get('data_dir'))
        lint.check(data in named_volumes, '%s: a named volume at data_dir' % where)
        data_volumes.append(data)
        for key in ('credentials_key', 'signing_key'):
            shared = volume_at(s, os.path.dirname(conf.get(key, '')))
            lint.check(shared in named_volumes, '%s: %s on a named volume' % (where, key))
            key_volumes.add(shared)
    lint.check(len(set(names)) == len(names), 'compose: node names differ (%s)' % names)
    lint.check(len(set(data_volumes)) == len(data_volumes), 'compose: each node its own data volume')
    lint.check(len(key_volumes) == 1, 'compose: the nodes share one key volume')


def check_k8s(lint, image):
    docs, files = [], sorted(glob.glob(lint.path('deploy', 'k8s', '*.yaml')))
    for f in files:
        docs += [(os.path.basename(f), d) for d in load_yaml(lint, f, 'k8s ' + os.path.basename(f))]
    kinds = {}
    for f, d in docs:
        lint.check('kind' in d and 'apiVersion' in d, 'k8s %s: a manifest has kind and apiVersion' % f)
        kinds.setdefault(d.get('kind'), []).append(d)
    kustomization = (kinds.get('Kustomization') or [{}])[0]
    listed = set(kustomization.get('resources', []))
    lint.check(listed == {os.path.basename(f) for f in files} - {'kustomization.yaml'},
               'k8s: kustomization.yaml lists every manifest')
    if not all([lint.check(kind in kinds, 'k8s: a %s' % kind)
                for kind in ('StatefulSet', 'Service', 'PodDisruptionBudget', 'ConfigMap')]):
        return
    sts = kinds['StatefulSet'][0]['spec']
    pod = sts['template']['spec']
    labels = sts['template']['metadata']['labels']
    lint.check(sts['selector']['matchLabels'].items() <= labels.items(),
               'k8s: StatefulSet selector matches its pods')
    services = {s['metadata']['name']: s['spec'] for s in kinds['Service']}
    headless = [n for n, s in services.items() if s.get('clusterIP') == 'None']
    lint.check(headless and sts.get('serviceName') == headless[0], 'k8s: serviceName is the headless Service')
    lint.check(len(services) >= 2, 'k8s: a headless and a client Service')
    for n, s in services.items():
        lint.check(s.get('selector', {}).items() <= labels.items(), 'k8s: Service %s selects the pods' % n)
    pdb = kinds['PodDisruptionBudget'][0]['spec']
    lint.check(pdb.get('maxUnavailable') == 1 and pdb['selector']['matchLabels'].items() <= labels.items(),
               'k8s: PodDisruptionBudget maxUnavailable 1 over the pods')
    lint.check(sts.get('volumeClaimTemplates'), 'k8s: volumeClaimTemplates (a volume per pod)')

    # the config: the shared file plus what the init container adds
    maps = {c['metadata']['name']: c.get('data', {}) for c in kinds['ConfigMap']}
    volumes = {v['name']: v for v in pod.get('volumes', [])}
    conf_map = [v['configMap']['name'] for v in volumes.values() if 'configMap' in v]
    if not lint.check(conf_map and 'rvi.conf' in maps.get(conf_map[0], {}), 'k8s: a ConfigMap with rvi.conf'):
        return
    conf = lint.check_conf(maps[conf_map[0]]['rvi.conf'], 'k8s ConfigMap rvi.conf')
    port = port_of(conf.get('listen'))
    inits = pod.get('initContainers', [])
    script = '\n'.join(' '.join(c.get('command', []) + c.get('args', [])) for c in inits)
    added = re.findall(r'''(?m)^\s*(?:echo|printf)\s+["']([a-z_]+)=''', script)
    lint.check_conf_keys(added, 'k8s init container')
    lint.check('database_url' in added or 'database_url' in conf, 'k8s: database_url is set')
    advert = re.search(r'advertise_url=(\S+?)"', script)
    lint.check(advert and '${POD_NAME}.%s.' % (headless or ['?'])[0] in advert.group(1)
               and port_of(advert.group(1)) == port,
               'k8s: advertise_url is http://${POD_NAME}.<headless service>...:%s/' % port)

    containers = pod.get('containers', [])
    rvi = [c for c in containers if 'serve' in c.get('command', []) + c.get('args', [])]
    if not lint.check(len(rvi) == 1, 'k8s: one container runs rvi serve'):
        return
    c = rvi[0]
    flags = lint.check_command(c.get('command', []) + c.get('args', []), 'k8s container rvi') or {}
    env = {e['name']: e.get('valueFrom', {}) for e in c.get('env', [])}
    lint.check(flags.get('node') == '$(POD_NAME)'
               and env.get('POD_NAME', {}).get('fieldRef', {}).get('fieldPath') == 'metadata.name',
               'k8s: --node $(POD_NAME), from metadata.name')
    mounts = {m['mountPath']: m['name'] for m in c.get('volumeMounts', [])}
    lint.check(os.path.dirname(flags.get('config', '')) in mounts, 'k8s: --config file on a mounted volume')
    claims = {t['metadata']['name'] for t in sts.get('volumeClaimTemplates', [])}
    lint.check(mounts.get(conf.get('data_dir')) in claims, 'k8s: data_dir on the volume claim')
    ports = {p.get('name'): p['containerPort'] for p in c.get('ports', [])}
    lint.check(port in ports.values(), 'k8s: containerPort %s (listen)' % port)
    resolve = lambda p: ports.get(p, p)
    for probe, path in (('livenessProbe', '/healthz'), ('readinessProbe', '/readyz')):
        get = c.get(probe, {}).get('httpGet', {})
        lint.check(get.get('path') == path and resolve(get.get('port')) == port,
                   'k8s: %s on %s port %s' % (probe, path, port))
    for n, s in services.items():
        lint.check(all(resolve(p.get('targetPort')) == port for p in s.get('ports', [])),
                   'k8s: Service %s targets port %s' % (n, port))
    secret_refs = [e for x in inits + containers for e in x.get('env', [])
                   if 'secretKeyRef' in e.get('valueFrom', {})]
    lint.check(secret_refs, 'k8s: the database URL from a Secret (secretKeyRef)')

    security = pod.get('securityContext', {})
    lint.check(security.get('runAsNonRoot') is True, 'k8s: runAsNonRoot')
    lint.check(security.get('runAsUser') == image['uid'],
               "k8s: runAsUser is the image's uid %s" % image['uid'])
    for x in inits + containers:
        sc = x.get('securityContext', {})
        lint.check(sc.get('readOnlyRootFilesystem') is True and sc.get('allowPrivilegeEscalation') is False
                   and 'ALL' in sc.get('capabilities', {}).get('drop', []),
                   'k8s container %s: read-only root, no privilege escalation, capabilities ALL dropped'
                   % x['name'])


def check_docs(lint):
    """rvi command lines in docs/deployment.md's code blocks (fenced or
    indented), also after a pipe or `sudo -u rvi`."""
    fenced = False
    for line in lint.read('docs', 'deployment.md').splitlines():
        if line.startswith('```'):
            fenced = not fenced
            continue
        if not fenced and not line.startswith('    '):
            continue
        for part in line.split(' #')[0].split('|'):
            part = re.sub(r'^\s*(sudo -u rvi\s+)?', '', part)
            if re.match(r'(/usr/local/bin/)?rvi \S', part):
                lint.check_command(shlex.split(part), 'docs/deployment.md')


def main():
    lint = Lint(sys.argv[1], sys.argv[2])
    image = check_dockerfile(lint)
    check_compose(lint, image)
    check_k8s(lint, image)
    check_docs(lint)
    lint.finish('lint-containers')


if __name__ == '__main__':
    main()
