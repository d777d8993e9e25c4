// One S3 client per endpoint, region, path style and credentials, shared by the archive storage
// and the `s3` store connector (keys given, or the SDK's default chain when none are).
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const clients = new Map<string, S3Client>();

export function sharedS3Client(o: S3ClientOptions): S3Client {
  const id = JSON.stringify([o.endpoint, o.region, o.forcePathStyle, o.credentials]);
  let c = clients.get(id);
  if (!c) {
    c = new S3Client({
      endpoint: o.endpoint,
      region: o.region,
      forcePathStyle: o.forcePathStyle,
      credentials: o.credentials,
      maxAttempts: 3,
    });
    clients.set(id, c);
  }
  return c;
}

export function closeS3Clients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}
