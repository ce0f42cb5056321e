/** Errors caused by user input (bad data, flags or files), printed as one line without a stack. */
export class UserError extends Error {
  override name = 'UserError';
}
