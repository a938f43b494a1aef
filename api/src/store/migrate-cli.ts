// Applies pending migrations to DATABASE_URL: `npm run migrate`.
import { z } from 'zod';
import { parseEnv } from '../config.ts';
import { createPool } from './db.ts';
import { migrate } from './migrate.ts';

const env = parseEnv(z.object({ DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }) }));
const pool = createPool({ url: env.DATABASE_URL, max: 1, applicationName: 'payflow-migrate' });
try {
  const result = await migrate(pool);
  process.stdout.write(
    `${result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'nothing to apply'}; schema at ${result.current ?? 'none'}\n`,
  );
} finally {
  await pool.end();
}
