// Command local-csi-node is the node half of a CSI driver whose volumes are directories on this
// machine: the test cluster's stand-in for the node plugin of EKS Auto Mode's EBS driver
// (ebs.csi.eks.amazonaws.com). It is not upstream code; it lives in this wrapper module because
// the snapshotter module already brings everything it needs (gRPC, the CSI spec, the kubelet's
// plugin-registration API).
//
// The kubelet finds it through its plugin registry (<kubelet-dir>/plugins_registry), as it finds
// any CSI node plugin, asks it for the node's id and zone, and calls NodePublishVolume to mount
// a volume for a pod: this plugin bind-mounts the directory <volumes>/<volume id> there.
// Everything else a driver does (create, grow, snapshot, attach) is test-cluster/local-cloud.mjs,
// which makes those directories. What it does not copy: no block device, no filesystem, no size
// limit, no staging (NodeStageVolume), no volume stats.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	registration "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

const zoneKey = "topology.kubernetes.io/zone"

type plugin struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedNodeServer
	registration.UnimplementedRegistrationServer
	driver, nodeID, zone, volumes, endpoint string
}

// ---- the kubelet's plugin registration ----

func (p *plugin) GetInfo(context.Context, *registration.InfoRequest) (*registration.PluginInfo, error) {
	return &registration.PluginInfo{
		Type:              registration.CSIPlugin,
		Name:              p.driver,
		Endpoint:          p.endpoint,
		SupportedVersions: []string{"1.0.0"},
	}, nil
}

func (p *plugin) NotifyRegistrationStatus(_ context.Context, s *registration.RegistrationStatus) (*registration.RegistrationStatusResponse, error) {
	if !s.PluginRegistered {
		log.Printf("the kubelet refused the registration: %s", s.Error)
	} else {
		log.Printf("registered with the kubelet as %s", p.driver)
	}
	return &registration.RegistrationStatusResponse{}, nil
}

// ---- CSI identity ----

func (p *plugin) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: p.driver, VendorVersion: "local-csi-node"}, nil
}

func (p *plugin) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{}, nil
}

func (p *plugin) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{}, nil
}

// ---- CSI node ----

func (p *plugin) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{
		NodeId:             p.nodeID,
		AccessibleTopology: &csi.Topology{Segments: map[string]string{zoneKey: p.zone}},
	}, nil
}

// No capabilities: no staging, no stats, no expansion on the node (a directory has no
// filesystem to grow), so the kubelet publishes straight away.
func (p *plugin) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{}, nil
}

func (p *plugin) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	if id == "" || target == "" || filepath.Base(id) != id {
		return nil, status.Errorf(codes.InvalidArgument, "volume id %q and target path %q are required; the id is a plain name", id, target)
	}
	source := filepath.Join(p.volumes, id)
	if info, err := os.Stat(source); err != nil || !info.IsDir() {
		return nil, status.Errorf(codes.NotFound, "volume %s does not exist (no directory %s)", id, source)
	}
	if mounted(target) {
		return &csi.NodePublishVolumeResponse{}, nil
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return nil, status.Errorf(codes.Internal, "creating %s: %v", target, err)
	}
	if err := syscall.Mount(source, target, "", syscall.MS_BIND, ""); err != nil {
		return nil, status.Errorf(codes.Internal, "bind-mounting %s on %s: %v", source, target, err)
	}
	if req.GetReadonly() {
		if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			_ = syscall.Unmount(target, 0)
			return nil, status.Errorf(codes.Internal, "making %s read-only: %v", target, err)
		}
	}
	log.Printf("published %s at %s", id, target)
	return &csi.NodePublishVolumeResponse{}, nil
}

func (p *plugin) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	target := req.GetTargetPath()
	if target == "" {
		return nil, status.Error(codes.InvalidArgument, "target path is required")
	}
	if mounted(target) {
		if err := syscall.Unmount(target, 0); err != nil {
			return nil, status.Errorf(codes.Internal, "unmounting %s: %v", target, err)
		}
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Errorf(codes.Internal, "removing %s: %v", target, err)
	}
	log.Printf("unpublished %s from %s", req.GetVolumeId(), target)
	return &csi.NodeUnpublishVolumeResponse{}, nil
}

// mounted says whether path is a mount point (/proc/self/mountinfo's fifth field; a bind mount
// of a directory on the same filesystem has no other tell).
func mounted(path string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	clean := filepath.Clean(path)
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) > 4 && fields[4] == clean {
			return true
		}
	}
	return false
}

func serve(socket string, register func(*grpc.Server)) (*grpc.Server, error) {
	if err := os.MkdirAll(filepath.Dir(socket), 0o750); err != nil {
		return nil, err
	}
	_ = os.Remove(socket)
	listener, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	server := grpc.NewServer()
	register(server)
	go func() {
		if err := server.Serve(listener); err != nil {
			log.Fatalf("serving %s: %v", socket, err)
		}
	}()
	return server, nil
}

func main() {
	p := &plugin{}
	var kubeletDir string
	flag.StringVar(&p.driver, "driver", "ebs.csi.eks.amazonaws.com", "the CSI driver name this plugin answers for")
	flag.StringVar(&p.nodeID, "node-id", "", "the node's name (NodeGetInfo's node id)")
	flag.StringVar(&p.zone, "zone", "", "the node's zone (NodeGetInfo's topology, key "+zoneKey+")")
	flag.StringVar(&p.volumes, "volumes", "", "the directory that holds one directory per volume id")
	flag.StringVar(&kubeletDir, "kubelet-dir", "", "the kubelet's --root-dir")
	flag.Parse()
	for name, value := range map[string]string{"node-id": p.nodeID, "zone": p.zone, "volumes": p.volumes, "kubelet-dir": kubeletDir} {
		if value == "" {
			log.Fatalf("--%s is required", name)
		}
	}
	log.SetPrefix("local-csi-node: ")
	p.endpoint = filepath.Join(kubeletDir, "plugins", p.driver, "csi.sock")
	csiServer, err := serve(p.endpoint, func(s *grpc.Server) {
		csi.RegisterIdentityServer(s, p)
		csi.RegisterNodeServer(s, p)
	})
	if err != nil {
		log.Fatalf("CSI endpoint %s: %v", p.endpoint, err)
	}
	// The registration socket last: the kubelet calls the CSI endpoint as soon as it sees it.
	regSocket := filepath.Join(kubeletDir, "plugins_registry", p.driver+"-reg.sock")
	regServer, err := serve(regSocket, func(s *grpc.Server) { registration.RegisterRegistrationServer(s, p) })
	if err != nil {
		log.Fatalf("registration socket %s: %v", regSocket, err)
	}
	log.Printf("%s on node %s (zone %s): volumes in %s, endpoint %s", p.driver, p.nodeID, p.zone, p.volumes, p.endpoint)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	regServer.Stop()
	csiServer.Stop()
	_ = os.Remove(regSocket)
	_ = os.Remove(p.endpoint)
}
