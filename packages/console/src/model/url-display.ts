/**
 * What a table shows of a request URL: its path and query, without the scheme and host, which
 * repeat on every row of one service and push the part that differs out of a narrow column.
 * The full URL stays in the cell's tooltip and in filters. Anything that is not an absolute
 * http(s) URL is shown as it is.
 */
export function urlPath(url: string): string {
  if (!/^https?:\/\//i.test(url)) return url;
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? '/' : url.slice(slash);
}
