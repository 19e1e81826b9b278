/**
 * Builds FTS5 MATCH text from user input. Every token is a quoted string, so FTS5 operators and
 * punctuation typed by the user (quotes, `*`, `-`, `:`, parentheses, AND/OR/NEAR) are plain text
 * and can never raise `fts5: syntax error`.
 */
import { isStopword, tokenize } from './text.js';

/** Quotes one token as an FTS5 string (a double quote inside is doubled). */
export function quoteFtsToken(token: string): string {
  return `"${token.replace(/"/g, '""')}"`;
}

/**
 * OR of the query's distinct tokens, stopwords dropped unless nothing else is left (they match
 * most rows and make BM25 slow without changing the ranking). Null when the query has no words.
 */
export function buildFtsQuery(query: string, maxTerms = 16): string | null {
  const terms = ftsTerms(query, maxTerms);
  return terms.length ? ftsMatch(terms) : null;
}

/** The distinct tokens buildFtsQuery would use (stopwords dropped unless nothing else is left). */
export function ftsTerms(query: string, maxTerms = 16): string[] {
  const all = [...new Set(tokenize(query))];
  const content = all.filter((t) => !isStopword(t));
  return (content.length ? content : all).slice(0, maxTerms);
}

/** MATCH text for already-tokenized terms: each quoted, OR-ed. */
export function ftsMatch(terms: readonly string[]): string {
  return terms.map(quoteFtsToken).join(' OR ');
}
