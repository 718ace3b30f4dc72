// `express4` is Express 4 installed under an alias (npm:express@4) so the SDK's middleware is
// tested against Express 4 and 5 side by side; its API is typed by @types/express.
declare module 'express4' {
  import express from 'express';
  export default express;
}
