// The express 5 app both express servers share: contract endpoints through the same handler as
// the bare servers (they are not what is measured), the stream routes through express.
import express, { type Express } from 'express';
import type { PushCore } from './core.ts';
import { handleControl } from './control-http.ts';

export function expressApp(core: PushCore): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    if (!handleControl(core, req, res)) next();
  });
  return app;
}
