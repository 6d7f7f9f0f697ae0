// What the router needs from a page.

/** A mounted page: built once, then refreshed in place every few seconds until the route changes. */
export interface Page {
  readonly el: HTMLElement;
  /** Document title. */
  readonly title: string;
  /** Fetches and applies fresh data; a rejection is shown in the status bar, the old data stays. */
  refresh(): Promise<void>;
  /** Stops timers and observers (the element is removed by the router). */
  dispose?(): void;
}

/** Services the router gives pages. */
export interface PageContext {
  /** Refresh now (after an action) instead of waiting for the next tick. */
  refreshNow(): Promise<void>;
  /** Announces a message politely to screen readers and shows it briefly. */
  announce(message: string): void;
}
