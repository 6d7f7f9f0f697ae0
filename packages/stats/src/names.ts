/** Storm UI's statistics windows in seconds; 0 is "all time". Nimbus keeps these, the UI and CLI offer them. */
export const STATS_WINDOWS_SECS: readonly number[] = [600, 10800, 86400, 0];
