import { describe, expect, it } from 'vitest';
import { PROGRAM_START_NS, type Program } from '../../../src/apps/shell/index.ts';
import { runShell } from './support.ts';

describe('shell interpreter', () => {
  it('expands variables, positional parameters and quotes', () => {
    const r = runShell('X="a  b"; echo $X; echo "$X"; echo $1-$#; echo "${2}"', { positional: ['p1', 'p 2'] });
    expect(r.stdout).toBe('a b\na  b\np1-2\np 2\n');
  });

  it('runs pipelines, command substitution and $?', () => {
    const r = runShell('printf "b\\na\\nb\\n" | sort | uniq -c; v=$(echo hi | tr a-z A-Z); echo "[$v]"; false; echo $?');
    expect(r.stdout).toBe('      1 a\n      2 b\n[HI]\n1\n');
  });

  it('pads uniq -c counts to 7 characters', () => {
    const r = runShell('for i in $(seq 1 37); do echo x; done | uniq -c');
    expect(r.stdout).toBe('     37 x\n');
  });

  it('runs if/elif/else, for, while and && ||', () => {
    const r = runShell(`
n=0
while [ $n -lt 3 ]; do n=$((n + 1)); done
if [ $n -eq 2 ]; then echo two; elif [ $n = 3 ]; then echo three; else echo other; fi
for w in a b; do echo -n $w; done; echo
true && echo and || echo or
false && echo and || echo or`);
    expect(r.stdout).toBe('three\nab\nand\nor\n');
  });

  it('stops at exit with its status', () => {
    const r = runShell('echo before; exit 3; echo after');
    expect(r.stdout).toBe('before\n');
    expect(r.status).toBe(3);
  });

  it('writes and reads files with > >> < and discards 2>/dev/null', () => {
    const r = runShell('echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f; cat /nope 2>/dev/null; echo $?; cat /nope');
    expect(r.stdout).toBe('one\ntwo\n1\n');
    expect(r.stderr).toBe('cat: /nope: No such file or directory\n');
    expect(new TextDecoder().decode(r.fs.read('/tmp/f'))).toBe('one\ntwo\n');
  });

  it('sends stderr to stdout with 2>&1 in a pipeline', () => {
    const r = runShell('cat /nope 2>&1 | wc -l');
    expect(r.stdout).toBe('1\n');
    expect(r.stderr).toBe('');
  });

  it('computes md5sum as coreutils prints it', () => {
    const r = runShell('echo -n abc | md5sum; printf "" | md5sum');
    expect(r.stdout).toBe('900150983cd24fb0d6963f7d28e17f72  -\nd41d8cd98f00b204e9800998ecf8427e  -\n');
  });

  it('evaluates test/[ expressions', () => {
    const r = runShell('[ -z "" ] && echo z; [ -n "" ] || echo n; [ a = a -a 1 -lt 2 ] && echo both; [ ! -f /x ] && echo nofile; [ 1 -eq x ]; echo $?; [ a; echo $?');
    expect(r.stdout).toBe('z\nn\nboth\nnofile\n2\n2\n');
    expect(r.stderr).toBe("bash: [: x: integer expression expected\nbash: [: missing `]'\n");
  });

  it('says command not found with status 127', () => {
    const r = runShell('nosuch arg; echo $?');
    expect(r.stdout).toBe('127\n');
    expect(r.stderr).toBe('bash: nosuch: command not found\n');
  });

  it('runs a script file with its own positional parameters', () => {
    const r = runShell('./s.sh x y; echo "status $?"; ./missing.sh', {
      files: { '/root/s.sh': '#!/bin/bash\necho "$0 got $# args: $1 $2"\nexit 4\n' },
    });
    expect(r.stdout).toBe('./s.sh got 2 args: x y\nstatus 4\n');
    expect(r.stderr).toBe('bash: ./missing.sh: No such file or directory\n');
  });

  it('reports a syntax error in a script file with its line', () => {
    const r = runShell('./bad.sh', { files: { '/root/bad.sh': 'echo ok\nif true; then\n' } });
    expect(r.stderr).toBe('./bad.sh: line 3: syntax error: unexpected end of file\n');
    expect(r.status).toBe(2);
  });

  it('waits in virtual time for sleep and asynchronous programs', () => {
    const later: Program = (p) => p.shell.clock.after(5e9, () => {
      p.out(`at ${p.shell.clock.now()}\n`);
      p.done(0);
    });
    const r = runShell('sleep 1.5; later; sleep 2', { programs: { later } });
    // Each of the three programs also takes PROGRAM_START_NS (1 ms) to start.
    expect(r.stdout).toBe('at 6502000000\n');
    expect(r.clock.t).toBe(8.5e9 + 3 * PROGRAM_START_NS);
  });

  describe('program start latency (fork + exec)', () => {
    /** A program that prints when it started. */
    const stamp: Program = (p) => {
      p.out(`${p.argv[1] ?? ''}@${p.shell.clock.now()} `);
      p.done(0);
    };

    it('charges PROGRAM_START_NS per external program and nothing for builtins', () => {
      expect(PROGRAM_START_NS).toBe(1e6);
      const r = runShell('echo a; test 1 = 1; true; printf x; stamp b; stamp c; echo d', { programs: { stamp } });
      expect(r.stdout).toBe('a\nxb@1000000 c@2000000 d\n');
      expect(r.clock.t).toBe(2e6);
      // By path it is the binary, not the builtin.
      expect(runShell('/bin/echo a').clock.t).toBe(1e6);
      expect(runShell('x=$(seq 3); [ -n "$x" ]').clock.t).toBe(1e6);
    });

    it('starts the stages of a pipeline together, as bash forks them', () => {
      const slow: Program = (p) => p.shell.clock.after(5e6, () => p.done(0));
      // slow starts at 1 ms and ends at 6 ms; cat was forked with it and has long started.
      const r = runShell('slow | cat | wc -l', { programs: { slow } });
      expect(r.stdout).toBe('0\n');
      expect(r.clock.t).toBe(6e6);
      // A stage of shell code forks its programs when it reaches them.
      expect(runShell('slow | while read l; do :; done; stamp x', { programs: { slow, stamp } }).stdout).toBe('x@7000000 ');
    });

    it('charges a script file its interpreter start, then its own programs', () => {
      const r = runShell('./s.sh', { files: { '/root/s.sh': '#!/bin/bash\nstamp in\n' }, programs: { stamp } });
      expect(r.stdout).toBe('in@2000000 ');
    });
  });

  it('does not grow the stack with long loops of builtins', () => {
    const r = runShell('n=0; for i in $(seq 1 20000); do n=$((n + 1)); done; echo $n');
    expect(r.stdout).toBe('20000\n');
  });

  it('sorts in C order and handles sort -n -r -u, head, tail, cut, grep', () => {
    const r = runShell(
      'printf "b\\nB\\na\\n10\\n9\\n" | sort | tr "\\n" " "; echo; printf "10\\n9\\n9\\n" | sort -n -u -r | tr "\\n" " "; echo; seq 5 | head -n 2; seq 5 | tail -1; echo a:b:c | cut -d: -f2,3; printf "x1\\ny\\nx2\\n" | grep -c x',
    );
    expect(r.stdout).toBe('10 9 B a b \n10 9 \n1\n2\n5\nb:c\n2\n');
  });
});

describe('shell interpreter: bash constructs lab scripts use', () => {
  it('runs functions with their own positional parameters and return', () => {
    const r = runShell('greet() { echo "hi $1"; return 3; }\ngreet bob; echo $?; function two { echo "$# args"; }; two a b');
    expect(r.stdout).toBe('hi bob\n3\n2 args\n');
  });

  it('runs C-style for loops, (( )) and let', () => {
    const r = runShell('for ((i=0; i<3; i++)); do echo -n $i; done; echo; n=5; ((n += 2)); echo $n; let "m = n * 2"; echo $m; (( n > 100 )) || echo small; echo $[1+2]');
    expect(r.stdout).toBe('012\n7\n14\nsmall\n3\n');
  });

  it('evaluates [[ ]] with patterns, regexes and && ||', () => {
    const r = runShell('x=""; [[ -z $x ]] && echo empty; [[ abc == a* && 2 -lt 3 ]] && echo both; [[ "10.0.0.1" =~ ^10\\. ]] && echo re; [[ a != a || ! -n "" ]] && echo or');
    expect(r.stdout).toBe('empty\nboth\nre\nor\n');
  });

  it('runs case with alternatives and a default', () => {
    const r = runShell('for v in 10.0.0.1 10.0.0.3 x; do case $v in 10.0.0.1|10.0.0.2) echo rr;; 10.0.0.*) echo other;; *) echo none;; esac; done');
    expect(r.stdout).toBe('rr\nother\nnone\n');
  });

  it('breaks and continues loops, reads lines', () => {
    const r = runShell('for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done; printf "a b\\nc\\n" > /tmp/in; while read x y; do echo "[$x|$y]"; done < /tmp/in');
    expect(r.stdout).toBe('1\n3\n[a|b]\n[c|]\n');
  });

  it('runs a script in the style of the 2011 lab', () => {
    const script = `#!/bin/bash
if [ $# -ne 1 ]; then
	echo "Please specify the VIP of a web server as argument"
	exit 1
fi
S1=\`wget http://100.0.0.1/ -O - 2>/dev/null | md5sum\`
for i in \`seq 1 4\`; do
	R=\`wget http://$1/ -O - 2>/dev/null | md5sum\`
	if [ "$R" == "$S1" ]; then echo "replies received from server 1"; else echo "replies received from server 2"; fi
done | sort | uniq -c
`;
    let n = 0;
    const wget: Program = (p) => {
      p.out(p.argv[1] === 'http://100.0.0.1/' || n++ % 2 === 0 ? 'one\n' : 'two\n');
      p.err('progress\n');
      p.done(0);
    };
    const r = runShell('./s.sh 10.0.0.1; ./s.sh', { files: { '/root/s.sh': script }, programs: { wget } });
    expect(r.stdout).toBe('      2 replies received from server 1\n      2 replies received from server 2\nPlease specify the VIP of a web server as argument\n');
    expect(r.stderr).toBe('');
  });
});

describe('shell interpreter: paths and awk', () => {
  it('runs programs called by their standard path', () => {
    const r = runShell('/bin/echo a; /usr/bin/seq 2; /sbin/nosuch');
    expect(r.stdout).toBe('a\n1\n2\n');
    expect(r.stderr).toBe('bash: /sbin/nosuch: No such file or directory\n');
  });

  it('runs the awk one-liners scripts use', () => {
    const r = runShell(`echo -n abc | md5sum | awk '{print $1}'; printf "a:b\\nc:d\\n" | awk -F: '{print $2, NR}'; printf "x 1\\ny 2\\n" | awk '/y/ {print $2 "!"}'; echo a | awk 'BEGIN{}'`);
    expect(r.stdout).toBe('900150983cd24fb0d6963f7d28e17f72\nb 1\nd 2\n2!\n');
    expect(r.stderr).toBe('awk: program not modelled by lbsim: BEGIN{}\n');
  });
});
