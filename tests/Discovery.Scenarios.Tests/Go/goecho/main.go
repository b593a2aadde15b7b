// A stock Go client of etcd's gRPC resolver: dials etcd:///{service} with round_robin and calls
// grpc.examples.echo.Echo/UnaryEcho, printing "reply: <message>" per answer and "error: <status>" per failure.
// With -user, it logs in to etcd as that user, with the password from GOECHO_ETCD_PASSWORD.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/clientv3/naming/resolver"
	"google.golang.org/grpc"
)

// EchoMessage has the wire shape of grpc.examples.echo's EchoRequest and EchoResponse: field 1, a string.
type EchoMessage struct {
	Message string `protobuf:"bytes,1,opt,name=message,proto3" json:"message,omitempty"`
}

func (m *EchoMessage) Reset()         { *m = EchoMessage{} }
func (m *EchoMessage) String() string { return m.Message }
func (*EchoMessage) ProtoMessage()    {}

func main() {
	endpoint := flag.String("etcd", "http://127.0.0.1:2379", "etcd client URL")
	service := flag.String("service", "echo", "service name")
	interval := flag.Duration("interval", 20*time.Millisecond, "pause between calls")
	duration := flag.Duration("duration", 10*time.Second, "how long to call")
	user := flag.String("user", "", "etcd user (password from GOECHO_ETCD_PASSWORD)")
	flag.Parse()

	config := clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second}
	if *user != "" {
		config.Username = *user
		config.Password = os.Getenv("GOECHO_ETCD_PASSWORD")
	}
	client, err := clientv3.New(config)
	if err != nil {
		fmt.Println("fatal:", err)
		os.Exit(2)
	}
	defer client.Close()
	builder, err := resolver.NewBuilder(client)
	if err != nil {
		fmt.Println("fatal:", err)
		os.Exit(2)
	}
	conn, err := grpc.Dial("etcd:///"+*service, grpc.WithResolvers(builder), grpc.WithInsecure(),
		grpc.WithDefaultServiceConfig(`{"loadBalancingPolicy":"round_robin"}`))
	if err != nil {
		fmt.Println("fatal:", err)
		os.Exit(2)
	}
	defer conn.Close()

	end := time.Now().Add(*duration)
	for i := 0; time.Now().Before(end); i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		reply := &EchoMessage{}
		err := conn.Invoke(ctx, "/grpc.examples.echo.Echo/UnaryEcho", &EchoMessage{Message: fmt.Sprint("go ", i)}, reply, grpc.WaitForReady(true))
		cancel()
		if err != nil {
			fmt.Println("error:", err)
		} else {
			fmt.Println("reply:", reply.Message)
		}
		time.Sleep(*interval)
	}
}
