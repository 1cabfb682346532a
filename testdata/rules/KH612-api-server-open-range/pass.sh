#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --api-server-authorized-ip-ranges 203.0.113.0/24,198.51.100.17/32 \
  --generate-ssh-keys

# 0.0.0.0/32 lets in only the cluster's own outbound IP address.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --api-server-authorized-ip-ranges 0.0.0.0/32

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --api-server-authorized-ip-ranges $AUTHORIZED_RANGES
