import type { ReactNode } from 'react';

/**
 * A table that scrolls inside its panel. It takes the focus, so a keyboard can scroll it, and its
 * name says what it holds (axe: scrollable-region-focusable).
 */
export function ScrollRegion({
  label,
  className,
  children,
}: {
  label: string;
  className: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take the focus for a keyboard to scroll it
    <section className={className} tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
