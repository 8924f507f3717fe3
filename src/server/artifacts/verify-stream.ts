import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** The uploaded bytes do not match what the uploader declared (size or sha256). */
export class UploadMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadMismatchError';
  }
}

/**
 * A pass-through that counts and hashes what flows through it and fails the stream — before it
 * ends, so the store never completes the object — when there are more or fewer bytes than
 * `size` or the sha256 differs from `sha256`. The S3 store verifies single PUTs server-side too;
 * this is what covers multipart uploads (checksums per part only) and the filesystem store alike.
 */
export class VerifyingStream extends Transform {
  private readonly hash;
  private seen = 0;
  /** The mismatch, once detected (a store reading this stream may wrap the error in its own). */
  failure?: UploadMismatchError;

  /** `hash: false` only counts: for stores that verify the digest themselves (`ArtifactStore.verifiesSha256`). */
  constructor(
    private readonly want: { size: number; sha256: string; what: string; hash?: boolean },
  ) {
    super({ highWaterMark: 1 << 20 });
    this.hash = want.hash === false ? undefined : createHash('sha256');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.want.size) {
      done(this.fail(`${this.want.what}: more than the declared ${this.want.size} bytes (content-length) were sent`));
      return;
    }
    this.hash?.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.seen !== this.want.size) {
      done(this.fail(`${this.want.what}: ${this.seen} bytes received, ${this.want.size} declared (content-length): the upload was cut short`));
      return;
    }
    const got = this.hash?.digest('hex');
    if (got !== undefined && got !== this.want.sha256) {
      done(this.fail(`${this.want.what}: the content has sha256 ${got}, x-weft-sha256 declared ${this.want.sha256}`));
      return;
    }
    done();
  }

  private fail(message: string): UploadMismatchError {
    this.failure = new UploadMismatchError(message);
    return this.failure;
  }
}
