namespace Discovery.Etcd;
