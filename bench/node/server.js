// The Node stand-in of `make bench`: an MCP server built on the official TypeScript SDK the
// way the peer servers are (McpServer + zod schema + stdio + fetch), exposing the tool the
// bench measures on ikmcp, `infomaniak_dns_list_records`, with the same upstream requests:
// GET /2/zones/{zone}/records, every page (infomaniak-api.md "Pagination"; DNS openapi
// `GET /2/zones/{zone}/records`). It does less than ikmcp on purpose (no sandbox, no audit
// log, no guard, no output validation): it is the floor a Node server starts from.
//
// Environment: INFOMANIAK_API_URL (the sandbox tenant) and INFOMANIAK_API_TOKEN.

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const API = (process.env.INFOMANIAK_API_URL || "https://api.infomaniak.com").replace(/\/+$/, "");
const TOKEN = process.env.INFOMANIAK_API_TOKEN || "";
const PER_PAGE = 100;
const MAX_PAGES = 50;

async function getPage(path, query) {
  const url = `${API}${path}?${new URLSearchParams(query)}`;
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" },
  });
  const body = await res.json();
  if (!res.ok || body.result !== "success") {
    throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(body.error ?? body)}`);
  }
  return body;
}

async function listRecords(zone, type) {
  const path = `/2/zones/${encodeURIComponent(zone)}/records`;
  const records = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = type ? { "filter[types][]": type } : {};
    Object.assign(query, { page: String(page), per_page: String(PER_PAGE) });
    const body = await getPage(path, query);
    records.push(...body.data);
    if (!(body.pages > page) || body.data.length === 0) break;
  }
  return records;
}

const server = new McpServer({ name: "node-stand-in", version: "0.1.0" });

server.tool(
  "infomaniak_dns_list_records",
  "List the records of a DNS zone, optionally of one type or name.",
  {
    zone: z.string().describe("Zone or a name in it, e.g. www.example.com."),
    type: z.string().optional().describe("Only this record type."),
    source: z.string().optional().describe("Only this name (www, @ = apex)."),
  },
  async ({ zone, type, source }) => {
    try {
      let records = await listRecords(zone, type);
      if (source) records = records.filter((r) => r.source === source);
      const out = { zone, count: records.length, records };
      return {
        content: [{ type: "text", text: JSON.stringify(out) }],
        structuredContent: out,
      };
    } catch (e) {
      return { isError: true, content: [{ type: "text", text: String(e.message || e) }] };
    }
  },
);

await server.connect(new StdioServerTransport());
