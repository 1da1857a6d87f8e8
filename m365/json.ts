/**
 * JSON from Microsoft Graph and its notifications. It has no static type: the adapters in m365/
 * and functions/ read it field by field and hand the rest of the product typed values. This alias
 * is the one place the linter's no-explicit-any is set aside for it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GraphJson = any;
