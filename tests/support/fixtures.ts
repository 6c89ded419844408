/** The image dev built, as `npm run promote` writes it into prod's stack file: the tests' stand-in for a real digest. */
export const promotedDigest = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"5e".repeat(32)}`;
