/** What HTTP/1.1 allows in a header line (RFC 9110 §5.1, §5.5), checked as node's own client and server check it. */

/** A header name: a token. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A character a header value may not hold (CR, LF, NUL and other controls would split or corrupt the message). */
export const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
