// Run by init-replica-set.sh (mongosh --nodb). Idempotent: safe on every `compose up`.
const rsName = process.env.REPLICA_SET;
const hosts = ["mongo1:27017", "mongo2:27017", "mongo3:27017"];
const rootUri =
  `mongodb://root:${encodeURIComponent(process.env.ROOT_PASSWORD)}@${hosts[0]}` +
  "/admin?directConnection=true&authSource=admin";
const conn = new Mongo(rootUri);
const admin = conn.getDB("admin");

let initiated = true;
try {
  admin.runCommand({ replSetGetStatus: 1 }).ok || (initiated = false);
} catch (e) {
  initiated = false;
}
if (!initiated) {
  const members = hosts.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 }));
  printjson(admin.runCommand({ replSetInitiate: { _id: rsName, members } }));
}
for (let i = 0; i < 120 && !admin.runCommand({ hello: 1 }).isWritablePrimary; i++) {
  sleep(1000);
}
if (!admin.runCommand({ hello: 1 }).isWritablePrimary) {
  throw new Error("mongo1 did not become primary");
}

// The frontend reads the public bridge records only: not leases or reservations.
const publicCollections = ["mints", "refunds", "burns", "nodes", "audit", "control"];
if (!admin.getRole("wpoktPublicRead")) {
  admin.createRole({
    role: "wpoktPublicRead",
    privileges: publicCollections.map((collection) => ({
      resource: { db: "wpokt", collection },
      actions: ["find"],
    })),
    roles: [],
  });
}
const users = [
  { user: "wpokt", pwd: process.env.APP_PASSWORD, roles: [{ role: "readWrite", db: "wpokt" }] },
  { user: "frontend", pwd: process.env.FRONTEND_PASSWORD, roles: [{ role: "wpoktPublicRead", db: "admin" }] },
];
for (const spec of users) {
  if (!admin.getUser(spec.user)) {
    admin.createUser({ ...spec, mechanisms: ["SCRAM-SHA-256"] });
    print(`created user ${spec.user}`);
  }
}
print(`replica set ${rsName} ready; users: ${users.map((u) => u.user).join(", ")}`);
