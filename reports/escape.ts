/** Text for an HTML page: the five characters HTML gives meaning escaped (the report, the privacy and terms pages). */
export const escapeHtml = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
