/**
 * The small dense linear algebra the signals fit needs (a Newton step and the Laplace covariance of a
 * handful of weights): Cholesky factorisation and solves. A matrix library would be a dependency for
 * twenty lines on matrices of side ~8.
 */
/** The lower-triangular L with L Lᵀ = A, for symmetric positive definite A. */
export function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = (a[i] as number[])[j] as number;
      for (let m = 0; m < j; m++) s -= ((l[i] as number[])[m] as number) * ((l[j] as number[])[m] as number);
      (l[i] as number[])[j] =
        i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / ((l[j] as number[])[j] as number);
    }
  return l;
}

/** v with A v = b, given A's Cholesky factor L (forward then back substitution). */
export function solve(l: number[][], b: readonly number[]): number[] {
  const n = b.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let m = 0; m < i; m++) s -= ((l[i] as number[])[m] as number) * (y[m] as number);
    y[i] = s / ((l[i] as number[])[i] as number);
  }
  const v = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let m = i + 1; m < n; m++) s -= ((l[m] as number[])[i] as number) * (v[m] as number);
    v[i] = s / ((l[i] as number[])[i] as number);
  }
  return v;
}
