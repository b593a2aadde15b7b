namespace Discovery.Hosting;
