import { h } from '../dom';
import type { Page } from '../page';

/** An unknown route: says which and links home. */
export function notFoundPage(hash: string): Page {
  return {
    el: h(
      'div',
      { class: 'page' },
      h('h1', {}, 'Page not found'),
      h('p', {}, `No page at “#${hash}”. `, h('a', { href: '#/' }, 'Go to the cluster overview'), '.'),
    ),
    title: 'Not found',
    refresh: () => Promise.resolve(),
  };
}
