/** "1 row", "3 rows"; `many` for a plural not made with -s ("2 companies"). */
export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
