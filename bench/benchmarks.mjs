// The registry of benchmarks run by `npm run bench`. Each returns printable lines and whether it met its target.
import { bank, bankSuggestions } from './bank.mjs';
import { documents } from './documents.mjs';
import { importBench, importBigBench, importProblemsBench } from './import.mjs';
import { importMappedBench } from './import-mapped.mjs';
import { invoices } from './invoices.mjs';
import { mail } from './mail.mjs';
import { membersList } from './members-list.mjs';
import { renewals } from './renewals.mjs';
import { startup } from './startup.mjs';
import { stripeBench } from './stripe.mjs';

export const benchmarks = [startup, membersList, invoices, renewals, importBench, importMappedBench, importBigBench, importProblemsBench, stripeBench, documents, mail, bank, bankSuggestions];
