// What a reader of an HTML page sees: its text without tags, styles or scripts, entities decoded.
export function visibleText(html: string): string {
  return html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** An ISO 8601 date or timestamp as stored (2026-03-01, 2026-03-01T10:00:00.000Z). */
export const ISO_TIMESTAMP = /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?/;

/** A category code of the data map (`user.contact.email`, `system.timestamps`). */
export const CATEGORY_CODE = /\b[a-z][a-z_]*\.[a-z_]+(?:\.[a-z_]+)*\b/;
