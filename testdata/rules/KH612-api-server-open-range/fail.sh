#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --api-server-authorized-ip-ranges 203.0.113.0/24,0.0.0.0/0 \
  --generate-ssh-keys

# Hosted build agents have no fixed address.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --api-server-authorized-ip-ranges 0.0.0.0/0

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --api-server-authorized-ip-ranges 203.0.113.0/24,::/0
