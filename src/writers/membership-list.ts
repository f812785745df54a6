/** `memberships list` as CSV, xlsx or JSON through the shared table writer. */
import { type ListedMembership, listedMembershipJson } from '../core/billing/membership-list.js';
import { writeOutput } from '../safe-file.js';
import { type ExportColumn, exportTableCsv, exportTableXlsx } from './table-export.js';

type Row = ReturnType<typeof listedMembershipJson>;

const columns: ExportColumn<Row>[] = [
  { header: 'ID', kind: 'number', value: (m) => m.id },
  { header: 'Member ID', kind: 'number', value: (m) => m.member.id },
  { header: 'Member', kind: 'text', value: (m) => m.member.name },
  { header: 'Plan', kind: 'text', value: (m) => m.plan },
  { header: 'Quantity', kind: 'number', value: (m) => m.quantity },
  { header: 'Price', kind: 'amount', value: (m) => m.price },
  { header: 'Currency', kind: 'text', value: (m) => m.currency },
  { header: 'Own price', kind: 'text', value: (m) => (m.followsPlanPrice ? 'no' : 'yes') },
  { header: 'Start date', kind: 'date', value: (m) => m.startDate },
  { header: 'Next invoice date', kind: 'date', value: (m) => m.nextInvoiceDate },
  { header: 'End date', kind: 'date', value: (m) => m.endDate },
  { header: 'Auto renew', kind: 'text', value: (m) => (m.autoRenew ? 'yes' : 'no') },
  { header: 'Do not renew', kind: 'text', value: (m) => (m.doNotRenew ? 'yes' : 'no') },
  { header: 'Status', kind: 'text', value: (m) => m.status },
];

export async function writeMembershipList(listed: readonly ListedMembership[], format: 'csv' | 'xlsx' | 'json', target: { file: string; flag: string } | { stream: NodeJS.WritableStream }): Promise<void> {
  const rows = listed.map(listedMembershipJson);
  switch (format) {
    case 'csv':
      return exportTableCsv(columns, rows, target);
    case 'xlsx':
      if (!('file' in target)) throw new Error('an xlsx list is written to a file');
      return exportTableXlsx(columns, rows, target.file, target.flag, 'Memberships');
    case 'json': {
      const text = `${JSON.stringify(rows, null, 2)}\n`;
      if ('file' in target) await writeOutput(target.file, target.flag, (out) => out.write(text));
      else target.stream.write(text);
    }
  }
}
