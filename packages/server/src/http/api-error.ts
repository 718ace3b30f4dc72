/**
 * An error answered the way the AWS SDK reads X-Ray's errors: the HTTP status, the error type
 * in `x-amzn-errortype`, and `{"message": ...}` in the body.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** 400 InvalidRequestException: the request is wrong; the message says what and where. */
export function invalidRequest(message: string): ApiError {
  return new ApiError(400, 'InvalidRequestException', message);
}
