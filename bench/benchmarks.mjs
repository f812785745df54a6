// The registry of benchmarks run by `npm run bench`. Each returns printable lines and whether it met its target.
import { startup } from './startup.mjs';

export const benchmarks = [startup];
