#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The one-command demo (`build-aux/dev demo`): three headless lanes and,
# when PostgreSQL is installed, a hub on a throw-away cluster (the hub is
# then the fiscal authority; without it, L1 is).  Sales on every lane, L3 cut off, the same price
# edited on both sides, healed, converged; then the conflict is shown,
# resolved, and seen closing everywhere.  Everything runs on loopback in
# one temporary directory that is removed at the end, also on Ctrl+C.
#
#   build-aux/demo.py [--build-dir DIR] [--no-hub] [--keep]

import argparse
import ctypes
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# PostgreSQL daemonises, so it does not die with the demo: this guard
# holds the read end of a pipe only the demo writes to.  When the demo
# ends, however it ends (even kill -9), the pipe closes and the guard
# stops the cluster and removes the demo's directory.
PG_GUARD = r'''
import json, shutil, signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
stop, remove = json.loads(sys.argv[1]), sys.argv[2]
sys.stdin.buffer.read()
subprocess.run(stop, capture_output=True, cwd='/')
if remove:
    shutil.rmtree(remove, ignore_errors=True)
'''
STORE = 'demo-store'
SKU = 'COFFEE-250'
TIMEOUT = 40.0           # seconds; a safety net, the demo needs far less
POLL = 0.1


class DemoError(Exception):
    pass


INTERRUPTED = False


def check_interrupted():
    if INTERRUPTED:
        raise KeyboardInterrupt


def say(text=''):
    print(text, flush=True)


def step(text):
    check_interrupted()
    say('\n\033[1m==> %s\033[0m' % text if sys.stdout.isatty() else '\n==> %s' % text)


def die_with_parent():
    # Lanes, hub and server die with the demo even if it is killed -9.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)          # PR_SET_PDEATHSIG
    except OSError:
        pass


def end_process(proc, grace=10.0):
    """SIGTERM, then SIGKILL after @grace seconds; reaped with waitpid
    rather than Popen.wait (), whose lock an interrupted wait can leave
    taken."""
    if proc is None or proc.returncode is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while True:
        try:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if pid != 0:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            deadline = float('inf')
        time.sleep(0.05)
    if proc.returncode is None:
        proc.returncode = -signal.SIGKILL


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        check_interrupted()
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise DemoError('gave up waiting for %s after %d s' % (what, timeout))
        time.sleep(POLL)


class Demo:
    def __init__(self, args):
        self.build = os.path.abspath(args.build_dir)
        self.ctl_bin = os.path.join(self.build, 'src', 'cli', 'tendero-ctl')
        self.lane_bin = os.path.join(self.build, 'src', 'lane', 'tendero')
        self.hub_bin = os.path.join(self.build, 'src', 'hub', 'tendero-hub')
        self.use_hub = not args.no_hub
        self.keep = args.keep
        self.dir = tempfile.mkdtemp(prefix='tendero-demo-')
        self.lanes = {}          # terminal -> {'dir', 'port', 'proc'}
        self.hub = None
        self.hub_url = None
        self.hub_key = None
        self.pg = None           # {'dir', 'data', 'sock', 'port', 'bindir'}
        self.pg_guard = None
        self.env = dict(os.environ, TENDERO_LOCALEDIR=os.path.join(self.build, 'po'))

    # --- processes -----------------------------------------------------

    def ctl(self, lane, *args, check=True):
        cmd = [self.ctl_bin, '--data-dir', self.lanes[lane]['dir']] + list(args)
        check_interrupted()
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
        check_interrupted()
        if check and proc.returncode != 0:
            raise DemoError('%s: tendero-ctl %s failed:\n%s' %
                            (lane, ' '.join(args), proc.stderr.strip()))
        return proc.stdout

    def ctl_json(self, lane, *args):
        return json.loads(self.ctl(lane, *args))

    def status(self, lane):
        return self.ctl_json(lane, 'status', '--json')

    def start_lane(self, lane):
        info = self.lanes[lane]
        log = open(os.path.join(self.dir, lane + '.log'), 'a')
        info['proc'] = subprocess.Popen(
            [self.lane_bin, '--data-dir', info['dir'], '--headless'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            env=self.env, preexec_fn=die_with_parent)
        log.close()

    def stop_lane(self, lane):
        end_process(self.lanes[lane].get('proc'))
        self.lanes[lane]['proc'] = None

    def as_postgres(self, argv):
        if os.getuid() == 0:
            return ['runuser', '-u', 'postgres', '--'] + argv
        return argv

    def pg_bindir(self):
        if os.environ.get('TN_PG_BINDIR'):
            return os.environ['TN_PG_BINDIR']
        found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                       key=lambda p: int(p.split('/')[4]) if p.split('/')[4].isdigit() else 0)
        return os.path.dirname(found[-1]) if found else None

    def start_postgres(self):
        bindir = self.pg_bindir()
        if bindir is None:
            return False
        pg = {'dir': os.path.join(self.dir, 'pg'), 'bindir': bindir, 'port': free_port()}
        pg['data'] = os.path.join(pg['dir'], 'data')
        pg['sock'] = os.path.join(pg['dir'], 'sock')
        os.makedirs(pg['sock'])
        if os.getuid() == 0:
            # The server refuses to run as root: the postgres user owns the cluster.
            os.chmod(self.dir, 0o711)
            pw = pwd.getpwnam('postgres')
            for path in (pg['dir'], pg['sock']):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        subprocess.run(self.as_postgres([
            os.path.join(bindir, 'initdb'), '-D', pg['data'], '-U', 'postgres',
            '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']),
            check=True, capture_output=True, cwd='/')
        self.pg = pg
        subprocess.run(self.as_postgres([
            os.path.join(bindir, 'pg_ctl'), 'start', '-w', '-t', '30', '-D', pg['data'],
            '-l', os.path.join(pg['dir'], 'server.log'), '-o',
            '-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=off '
            '-c synchronous_commit=off' % (pg['sock'], pg['port'])]),
            check=True, capture_output=True, cwd='/')
        pg['conninfo'] = 'postgresql:///postgres?host=%s&port=%d&user=postgres' % (
            pg['sock'], pg['port'])
        self.pg_guard = subprocess.Popen(
            [sys.executable, '-c', PG_GUARD, json.dumps(self.pg_stop_cmd()),
             '' if self.keep else self.dir],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd='/', start_new_session=True)
        return True

    def pg_stop_cmd(self):
        return self.as_postgres([os.path.join(self.pg['bindir'], 'pg_ctl'), 'stop', '-m',
                                 'immediate', '-w', '-D', self.pg['data']])

    def hub_cmd(self, *args):
        return [self.hub_bin, '--db', self.pg['conninfo'], '--migrations-dir',
                os.path.join(ROOT, 'data', 'hub')] + list(args)

    def start_hub(self):
        port = free_port()
        self.hub_url = 'http://127.0.0.1:%d' % port
        log = open(os.path.join(self.dir, 'hub.log'), 'a')
        self.hub = subprocess.Popen(self.hub_cmd('--listen', '127.0.0.1:%d' % port),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=log, env=self.env, preexec_fn=die_with_parent)
        log.close()

        def healthy():
            if self.hub.poll() is not None:
                raise DemoError('the hub exited; see %s/hub.log' % self.dir)
            try:
                with urllib.request.urlopen(self.hub_url + '/healthz', timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for('the hub to answer /healthz', healthy)
        out = subprocess.run(self.hub_cmd('keys', 'create', '--store', STORE), env=self.env,
                             check=True, capture_output=True, text=True).stdout
        self.hub_key = out.strip().split()[-1]
        with open(os.path.join(self.dir, 'hub.key'), 'w') as f:
            f.write(self.hub_key + '\n')
        os.chmod(os.path.join(self.dir, 'hub.key'), 0o600)

    def hub_events(self):
        req = urllib.request.Request('%s/v1/stores/%s/vv' % (self.hub_url, STORE),
                                     headers={'Authorization': 'Bearer ' + self.hub_key})
        with urllib.request.urlopen(req, timeout=5) as r:
            vv = json.load(r)['vv']
        return vv

    def cleanup(self):
        # A second Ctrl+C must not leave processes behind.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        for lane in list(self.lanes):
            self.stop_lane(lane)
        end_process(self.hub)
        if self.pg is not None:
            subprocess.run(self.pg_stop_cmd(), capture_output=True, cwd='/')
        if self.pg_guard is not None:
            self.pg_guard.stdin.close()
            self.pg_guard.wait()
        if self.keep:
            say('Kept %s' % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- the story -----------------------------------------------------

    def init_lanes(self):
        key = os.path.join(self.dir, 'store.key')
        with open(key, 'w') as f:
            f.write(os.urandom(32).hex())
        os.chmod(key, 0o600)
        for name in ('L1', 'L2', 'L3'):
            self.lanes[name] = {'dir': os.path.join(self.dir, name), 'port': free_port(),
                                'proc': None}
        for name, info in self.lanes.items():
            args = ['init', '--store', STORE, '--terminal', name, '--port', str(info['port']),
                    '--store-key-file', key]
            for other, o in self.lanes.items():
                if other != name:
                    args += ['--peer', 'ws://127.0.0.1:%d/tendero/v1/sync' % o['port']]
            # With a hub, the hub is the fiscal authority and every lane
            # asks it for number blocks; without one, L1 is.
            if self.hub_url:
                args += ['--hub', self.hub_url,
                         '--hub-key-file', os.path.join(self.dir, 'hub.key')]
            elif name == 'L1':
                args.append('--fiscal-authority')
            self.ctl(name, *args)
            # Demo timings: reconnect and upload within a fraction of a second.
            config = os.path.join(info['dir'], 'config.ini')
            with open(config) as f:
                text = f.read()
            text = re.sub(r'(?m)^sync-backoff-base-ms=.*$', 'sync-backoff-base-ms=200', text)
            if self.hub_url:
                text += ('\n[hub]\nupload-interval-ms=300\nbackoff-base-ms=50\n'
                         'backoff-cap-ms=300\nbreaker-open-ms=1000\n')
            with open(config, 'w') as f:
                f.write(text)
        self.ctl('L1', 'catalog', 'import', os.path.join(ROOT, 'data', 'demo-catalog.csv'))
        self.ctl('L1', 'employee', 'add', '--name', 'Ana (manager)', '--pin', '4321',
                 '--manager')
        self.ctl('L1', 'stock', 'receive', '--sku', SKU, '--qty', '48', '--reason', 'Delivery')

    def snapshot(self, names):
        return {n: self.status(n) for n in names}

    def converged(self, names, want_conflicts=None):
        snap = self.snapshot(names)
        first = snap[names[0]]
        for s in snap.values():
            if s['vv'] != first['vv'] or s['digest'] != first['digest']:
                return None
            if s['outbox']['pending'] != 0:
                return None
            if want_conflicts is not None and s['conflicts'] != want_conflicts:
                return None
        if self.hub_url and self.hub_events() != first['vv']:
            return None
        return snap

    def sales_count(self, lane):
        return len(self.ctl_json(lane, 'export', 'sales', '--format', 'json')['sales'])

    def price_of(self, lane):
        for p in self.ctl_json(lane, 'product', 'list', '--json')['products']:
            if p['sku'] == SKU:
                return p['price_text'], p['conflict']
        raise DemoError('%s lost %s' % (lane, SKU))

    def print_table(self, snap):
        names = sorted(snap)
        terminal_of = {snap[n]['replica']: n for n in names}
        say('  %-5s %-22s %-12s %6s %9s %8s %9s %9s' % (
            'lane', 'version vector', 'digest', 'sales', 'conflicts', 'pending',
            'peer_ack', 'cloud_ack'))
        for n in names:
            s = snap[n]
            vv = ' '.join('%s:%d' % (terminal_of.get(o, 'hub' if o.startswith('hub')
                                                      else o[:4]), c)
                          for o, c in sorted(s['vv'].items(),
                                             key=lambda kv: terminal_of.get(kv[0], kv[0])))
            say('  %-5s %-22s %-12s %6d %9d %8d %9d %9d' % (
                n, vv, s['digest'][:12], self.sales_count(n), s['conflicts'],
                s['outbox']['pending'], s['outbox']['peer_ack'], s['outbox']['cloud_ack']))
        if self.hub_url:
            say('  %-5s holds %d events — the same as every lane' % (
                'hub', sum(self.hub_events().values())))

    def run(self):
        names = ['L1', 'L2', 'L3']
        say('Tendero demo in %s' % self.dir)
        if self.use_hub:
            step('Starting a throw-away PostgreSQL cluster and the hub')
            if self.start_postgres():
                self.start_hub()
                say('Hub at %s: every lane uploads to it and gets fiscal number blocks '
                    'from it' % self.hub_url)
            else:
                say('PostgreSQL is not installed (Debian: postgresql): no hub this time.')
        step('Three lanes: L1, L2 and L3, all on loopback' +
             ('' if self.hub_url else ' (L1 is the fiscal authority)'))
        self.init_lanes()
        for n in names:
            self.start_lane(n)
        wait_for('every lane to receive the catalogue and fiscal numbers',
                 lambda: all(self.status(n)['fiscal']['unused'] > 0 for n in names))

        step('Ringing a sale on every lane')
        self.ctl('L1', 'sell', '--sku', SKU, '--qty', '2', '--sku', 'MILK-1L', '--sku', 'BREAD')
        self.ctl('L2', 'sell', '--sku', 'TUNA', '--qty', '3', '--pay', 'card')
        self.ctl('L3', 'sell', '--sku', 'SODA-2L', '--sku', 'WATER-1L')
        wait_for('the lanes to converge', lambda: self.converged(names))
        say('Every lane holds the three sales.')

        step('Cutting L3 off (its lane stops; the till keeps selling offline)')
        self.stop_lane('L3')
        self.ctl('L1', 'sell', '--sku', SKU)
        self.ctl('L2', 'sell', '--sku', 'EGGS-12', '--qty', '2')
        self.ctl('L3', 'sell', '--sku', 'RICE-1KG', '--qty', '4')
        say('While apart, L1 sets %s to 4.75 and L3 sets it to 4.95.' % SKU)
        self.ctl('L1', 'product', 'set-price', '--sku', SKU, '--price', '4.75')
        self.ctl('L3', 'product', 'set-price', '--sku', SKU, '--price', '4.95')

        step('Healing: L3 comes back')
        self.start_lane('L3')
        snap = wait_for('the lanes to converge after healing',
                        lambda: self.converged(names, want_conflicts=1))
        say('Converged: every lane has the same events (version vector) and the same state')
        say('(digest), nothing waits in any outbox:')
        self.print_table(snap)
        say('  (version vector: how many events each lane holds from L1, L2 and L3; outbox:')
        say('  a lane\'s own events still pending, acknowledged by a lane, or by the hub)')

        conflict = self.ctl_json('L2', 'conflicts', 'list', '--json')['conflicts'][0]
        candidates = ', '.join('%s from %s' % (c['value_text'], c['terminal'] or c['origin'])
                               for c in conflict['candidates'])
        step('One conflict appeared, the same on every lane')
        say('  %s: the %s of %s (%s) was changed on two lanes at once: %s.' % (
            conflict['id'], conflict['field'], conflict['sku'],
            conflict['product'] or conflict['sku'], candidates))
        say('  No rule can pick one, so a manager decides.  To resolve it, on any lane:')
        resolve = ['conflicts', 'resolve', conflict['id'], '--value', '4.85',
                   '--manager-pin', '4321']
        say('    %s --data-dir %s %s' % (os.path.relpath(self.ctl_bin), self.lanes['L2']['dir'],
                                     ' '.join(resolve)))

        step('Resolving it on L2 (the manager picks 4.85)')
        say('  ' + self.ctl('L2', *resolve).strip())
        snap = wait_for('the resolution to reach every lane',
                        lambda: self.converged(names, want_conflicts=0))
        self.print_table(snap)
        for n in names:
            price, in_conflict = self.price_of(n)
            say('  %s sells %s at %s%s' % (n, SKU, price,
                                          ' (still in conflict!)' if in_conflict else ''))
        say('\nConverged: all lanes agree and the conflict is closed on every lane.')


def main():
    parser = argparse.ArgumentParser(description='Tendero three-lane demo')
    parser.add_argument('--build-dir', default=os.path.join(ROOT, '_build'),
                        help='an existing build directory (default: build _build if needed)')
    parser.add_argument('--no-hub', action='store_true', help='do not start a hub')
    parser.add_argument('--keep', action='store_true', help='keep the temporary directory')
    args = parser.parse_args()

    if not os.path.exists(os.path.join(args.build_dir, 'build.ninja')):
        subprocess.run(['meson', 'setup', args.build_dir, '-Dbenchmarks=false'], cwd=ROOT,
                       check=True)
    if args.build_dir == parser.get_default('build_dir'):
        subprocess.run(['ninja', '-C', args.build_dir], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)

    # Ctrl+C and kill both unwind through the finally below, from the
    # next safe point (raising inside a subprocess wait can leave its
    # lock taken).
    def interrupted(signum, frame):
        global INTERRUPTED
        INTERRUPTED = True
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)

    demo = Demo(args)
    try:
        demo.run()
        return 0
    except KeyboardInterrupt:
        say('\nInterrupted: stopping everything.')
        return 130
    except (DemoError, subprocess.CalledProcessError) as e:
        if INTERRUPTED:    # Ctrl+C reached a child first
            say('\nInterrupted: stopping everything.')
            return 130
        say('\nThe demo failed: %s\nLogs are in %s (kept).' % (e, demo.dir))
        demo.keep = True
        return 1
    finally:
        demo.cleanup()


if __name__ == '__main__':
    sys.exit(main())
