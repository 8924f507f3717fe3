import { z } from 'zod';

const Branch = z.string().min(1).max(200);
const ChangeId = z
  .string()
  .regex(/^(\d{1,10}|[0-9a-f]{40})$/, 'a change id as open_change returns it: a pull request number like "12" or a 40-hex Radicle patch id')
  .describe('the change id open_change returned: a pull request number ("12") or a Radicle patch id');

const ChangeInfo = z.object({
  id: z.string(),
  url: z.string(),
  state: z.enum(['open', 'merged', 'closed']),
  title: z.string(),
  branch: z.string(),
  base: z.string(),
  headSha: z.string(),
  mergeable: z.boolean().nullable().describe('null while the forge is still computing it or cannot tell'),
});

const Comment = z.object({ id: z.string(), author: z.string(), body: z.string(), createdAt: z.string(), inReplyTo: z.string().nullable() });
const Thread = z.object({ id: z.string().describe('pass it as `thread` to reply'), path: z.string().nullable(), line: z.number().nullable(), resolved: z.boolean(), comments: z.array(Comment) });

/** Input and output schemas of every `weft mcp git` tool. */
export const GIT_SCHEMAS = {
  workspace_status: {
    input: z.object({}).strict(),
    output: z.object({
      repo: z.string(),
      forge: z.string(),
      branchPrefix: z.string(),
      branch: z.string().nullable().describe('the checked-out branch; null on a detached HEAD'),
      head: z.string().nullable(),
      writable: z.boolean().describe('whether the checked-out branch is inside the branch prefix'),
      files: z.array(z.object({ path: z.string(), status: z.string() })),
    }),
  },
  create_branch: {
    input: z
      .object({
        branch: Branch.describe('the new branch: the server\'s branch prefix or below it, e.g. "weft/task-a/fix-1"'),
        from: z.string().min(1).max(200).optional().describe('branch, tag or commit to start from (default: the current HEAD)'),
      })
      .strict(),
    output: z.object({ branch: z.string(), head: z.string(), created: z.boolean() }),
  },
  commit: {
    input: z
      .object({
        paths: z.array(z.string().min(1).max(1000)).min(1).max(1000).describe('files to commit, relative to the workspace root (new, changed or deleted)'),
        message: z.string().min(1).max(20_000).describe('the commit message: a subject line, optionally a blank line and a body'),
      })
      .strict(),
    output: z.object({ branch: z.string(), sha: z.string(), files: z.array(z.object({ path: z.string(), status: z.string() })) }),
  },
  push: {
    input: z.object({ branch: Branch.optional().describe('the branch to push (default: the checked-out one); never forced') }).strict(),
    output: z.object({ branch: z.string(), sha: z.string(), remote: z.string().describe('the repository URL, without credentials'), result: z.enum(['created', 'updated', 'up-to-date']) }),
  },
  open_change: {
    input: z
      .object({
        title: z.string().min(1).max(250),
        body: z.string().max(60_000).optional(),
        branch: Branch.optional().describe('the pushed branch (default: the checked-out one)'),
        base: z.string().min(1).max(200).optional().describe('the branch to merge into (default: the repository\'s default branch)'),
      })
      .strict(),
    output: ChangeInfo.extend({ created: z.boolean().describe('false when the open change of this branch was returned (and retitled)') }),
  },
  list_review_comments: {
    input: z.object({ change: ChangeId, since: z.iso.datetime({ offset: true }).optional().describe('only threads with a comment after this time (ISO 8601)') }).strict(),
    output: z.object({ change: z.string(), threads: z.array(Thread) }),
  },
  reply: {
    input: z
      .object({
        change: ChangeId,
        thread: z.string().min(1).max(300).describe('a thread id from list_review_comments ("conversation" for the change as a whole)'),
        body: z.string().min(1).max(60_000),
      })
      .strict(),
    output: Comment.extend({ change: z.string(), thread: z.string() }),
  },
  change_status: {
    input: z.object({ change: ChangeId }).strict(),
    output: ChangeInfo.extend({
      checks: z.array(z.object({ context: z.string(), state: z.enum(['pending', 'success', 'error', 'failure']), description: z.string().nullable(), targetUrl: z.string().nullable() })),
      approvedBy: z.array(z.string()),
    }),
  },
} as const;
