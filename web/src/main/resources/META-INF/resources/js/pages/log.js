// A build log split into the worker's steps ("##[extfarm] step <id>" lines). The failing step is
// opened and its error lines marked; the worker's own failure line is marked strongest. Text is
// appended as it arrives (live tail); a line without its newline yet is shown and completed later.

const MARKER = '##[extfarm] step ';
const FAIL_LINES = ['##[extfarm] build failed at ', '##[extfarm] failed: ', '##[extfarm] farm fault at '];
const ERROR_RE = /(\berror\b|\bfatal\b|\bFAILED\b|\bfailed\b|\bcannot\b|could not|couldn't|undefined (reference|symbol)|no such file|not found|permission denied|\bkilled\b|^E: |\bERROR:)/i;
const OPEN_ALL_BELOW = 3000;

export class LogView {
  constructor(box, { failStep, failed }) {
    this.box = box;
    this.failStep = failStep;
    this.failed = failed;
    this.reset();
  }

  reset() {
    this.box.replaceChildren();
    this.sections = [];
    this.pending = '';
    this.pendingEl = null;
    this.lines = 0;
    this.anywhere = false; // mark errors in every section: set when the failing step has no section
    this.section('start');
  }

  section(name) {
    const details = document.createElement('details');
    details.dataset.step = name;
    const summary = document.createElement('summary');
    const pre = document.createElement('pre');
    details.append(summary, pre);
    this.box.append(details);
    const s = { name, details, summary, pre, lines: [] };
    this.sections.push(s);
    this.label(s);
    if (this.sections.length === 2 && this.sections[0].lines.length === 0) {
      // nothing came before the first step marker
      this.sections[0].details.remove();
      this.sections.shift();
    }
    return s;
  }

  label(s) {
    const failing = this.isFailing(s);
    s.details.classList.toggle('failing', failing);
    s.summary.textContent = `${s.name === 'start' ? 'before the first step' : `step ${s.name}`} — ${s.lines.length} line${s.lines.length === 1 ? '' : 's'}${failing ? ' — failed here' : ''}`;
  }

  isFailing(s) {
    return !!this.failed && !!this.failStep && s.name === this.failStep;
  }

  current() {
    return this.sections[this.sections.length - 1];
  }

  /** Appends text; with partialEnd the text after the last newline waits for the rest of its line. */
  add(text, { partialEnd = false } = {}) {
    if (!text && !this.pending) return;
    const all = this.pending + text;
    const lines = all.split('\n');
    this.pending = partialEnd ? lines.pop() : '';
    if (!partialEnd && lines.length && lines[lines.length - 1] === '') lines.pop();
    if (this.pendingEl) { this.pendingEl.remove(); this.pendingEl = null; }
    let s = this.current();
    let buf = '';
    const flush = () => { if (buf) { s.pre.append(buf); buf = ''; } };
    for (const line of lines) {
      this.lines++;
      if (line.startsWith(MARKER)) {
        flush();
        this.label(s);
        s = this.section(line.slice(MARKER.length).trim() || 'unnamed');
      }
      s.lines.push(line);
      const kind = this.kind(s, line);
      if (kind) {
        flush();
        s.pre.append(this.span(kind, line));
      } else {
        buf += `${line}\n`;
      }
    }
    flush();
    this.label(s);
    if (this.pending) {
      this.pendingEl = document.createElement('span');
      this.pendingEl.textContent = this.pending;
      s.pre.append(this.pendingEl);
    }
  }

  kind(s, line) {
    if (line.startsWith(MARKER)) return 'marker';
    if (FAIL_LINES.some((p) => line.startsWith(p))) return 'fail';
    if (!this.failed) return null;
    return (this.isFailing(s) || this.anywhere) && ERROR_RE.test(line) ? 'hit' : null;
  }

  span(kind, line) {
    const el = document.createElement('span');
    el.className = kind;
    el.textContent = `${line}\n`;
    return el;
  }

  /** Once a live build has ended: mark its failure in what is already shown. */
  setFailure(step, failed) {
    if (step === this.failStep && failed === this.failed) return;
    this.failStep = step;
    this.failed = failed;
    this.anywhere = false;
    this.redraw();
  }

  redraw() {
    for (const s of this.sections) {
      s.pre.replaceChildren();
      let buf = '';
      for (const line of s.lines) {
        const kind = this.kind(s, line);
        if (kind) {
          if (buf) { s.pre.append(buf); buf = ''; }
          s.pre.append(this.span(kind, line));
        } else {
          buf += `${line}\n`;
        }
      }
      if (buf) s.pre.append(buf);
      this.label(s);
    }
  }

  /** Opens what matters: the failing step (and only it), else everything small, else the last step. */
  finish({ scroll = true } = {}) {
    const failing = this.sections.find((s) => this.isFailing(s));
    if (this.failed && !failing && !this.anywhere) {
      this.anywhere = true; // no section for the failing step (no markers, or cut off): mark errors everywhere
      this.redraw();
    }
    for (const s of this.sections) {
      s.details.open = failing ? s === failing || s === this.current() && this.failed && !failing
        : this.lines < OPEN_ALL_BELOW || s === this.current();
    }
    if (failing && this.current() !== failing) {
      // the worker's failure line may follow in a later section; keep the last one open too
      this.current().details.open = this.current().pre.querySelector('.fail') !== null;
    }
    if (!scroll) return;
    const target = this.failureLine();
    if (target) {
      this.box.scrollTop += target.getBoundingClientRect().top - this.box.getBoundingClientRect().top - 60;
    } else {
      this.box.scrollTop = this.box.scrollHeight;
    }
  }

  failureLine() {
    const failing = this.sections.find((s) => this.isFailing(s));
    return (failing && failing.pre.querySelector('.hit')) || this.box.querySelector('.fail') || (this.failed && this.box.querySelector('.hit')) || null;
  }

  jumpToFailure() {
    const failing = this.sections.find((s) => this.isFailing(s));
    if (failing) failing.details.open = true;
    const target = this.failureLine();
    if (target) {
      target.setAttribute('tabindex', '-1');
      target.scrollIntoView({ block: 'center' });
      target.focus({ preventScroll: true });
    }
  }
}
