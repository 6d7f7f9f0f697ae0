// The confirmation dialog for topology actions: a modal <dialog> (the rest of the page is inert while it is open),
// Tab and Shift+Tab cycle inside it, Escape or Cancel closes it, and focus returns to the button that opened it.
import { ApiError, authToken, setAuthToken } from './api';
import { h } from './dom';

/** A number field of the dialog (wait seconds, workers). */
export interface DialogField {
  name: string;
  label: string;
  value?: number;
  min?: number;
  /** Empty is allowed and means "unchanged" (sent as undefined). */
  optional?: boolean;
}

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  fields?: DialogField[];
  /** Runs the action; a rejection keeps the dialog open with the error shown (and a token field on 401/403). */
  perform: (values: Record<string, number | undefined>) => Promise<void>;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Opens the dialog; resolves true when the action succeeded, false when the user cancelled. */
export function confirmAction(opts: ConfirmOptions): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = `dlg-title-${Date.now()}`;
  const descId = `${titleId}-desc`;
  const inputs = new Map<string, HTMLInputElement>();
  const fieldEls = (opts.fields ?? []).map((f) => {
    const input = h('input', {
      type: 'number',
      name: f.name,
      id: `dlg-${f.name}`,
      min: f.min ?? 0,
      step: 1,
      value: f.value ?? '',
      placeholder: f.optional ? 'unchanged' : null,
      required: !f.optional,
      inputmode: 'numeric',
    });
    inputs.set(f.name, input);
    return h('div', { class: 'field' }, h('label', { for: `dlg-${f.name}` }, f.label), input);
  });
  const tokenInput = h('input', { type: 'password', id: 'dlg-token', autocomplete: 'off', value: authToken() });
  const tokenField = h(
    'div',
    { class: 'field', hidden: true },
    h('label', { for: 'dlg-token' }, 'Auth token (nimbus.auth.token)'),
    tokenInput,
  );
  const error = h('p', { class: 'dialog-error', role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const confirm = h(
    'button',
    { type: 'submit', class: opts.danger ? 'btn btn-danger' : 'btn btn-primary' },
    opts.confirmLabel,
  );
  const form = h(
    'form',
    { method: 'dialog', novalidate: true },
    h('h2', { id: titleId }, opts.title),
    h('p', { id: descId }, opts.message),
    ...fieldEls,
    tokenField,
    error,
    h('div', { class: 'dialog-buttons' }, cancel, confirm),
  );
  const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': descId, class: 'confirm-dialog' }, form);
  document.body.appendChild(dialog);

  return new Promise<boolean>((resolve) => {
    let busy = false;
    const finish = (ok: boolean): void => {
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      resolve(ok);
    };
    dialog.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      if (!busy) finish(false);
    });
    dialog.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Tab') return;
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => !e.closest('[hidden]'));
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (ev.shiftKey && document.activeElement === first) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && document.activeElement === last) {
        ev.preventDefault();
        first.focus();
      }
    });
    cancel.addEventListener('click', () => {
      if (!busy) finish(false);
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (busy) return;
      const values: Record<string, number | undefined> = {};
      for (const f of opts.fields ?? []) {
        const raw = inputs.get(f.name)!.value.trim();
        if (raw === '' && f.optional) {
          values[f.name] = undefined;
          continue;
        }
        const n = Number(raw);
        if (raw === '' || !Number.isInteger(n) || n < (f.min ?? 0)) {
          error.textContent = `${f.label}: enter a whole number ≥ ${f.min ?? 0}.`;
          inputs.get(f.name)!.focus();
          return;
        }
        values[f.name] = n;
      }
      if (!tokenField.hidden) setAuthToken(tokenInput.value.trim());
      busy = true;
      confirm.disabled = true;
      error.textContent = '';
      confirm.textContent = 'Working…';
      opts.perform(values).then(
        () => finish(true),
        (err: unknown) => {
          busy = false;
          confirm.disabled = false;
          confirm.textContent = opts.confirmLabel;
          const e = err instanceof Error ? err : new Error(String(err));
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
            tokenField.hidden = false;
            error.textContent = `${e.message || 'Not authorized'}: enter the auth token and try again.`;
            tokenInput.focus();
          } else {
            error.textContent = `Failed: ${e.message}`;
            confirm.focus();
          }
        },
      );
    });
    dialog.showModal();
    (fieldEls.length > 0 ? inputs.values().next().value! : opts.danger ? cancel : confirm).focus();
  });
}
